//! The integration test binary: every test runs the built `pimap` as a user would (or, for the
//! detector lint, the library's `DetectorSet`), on fresh temporary trees or the committed
//! fixtures, and reads the outputs with its own types, as an outside consumer of the contract
//! (`../shared/findings-contract.md`) would.
//!
//! Modules by concern (ripgrep's layout: one binary, `autotests = false`):
//! - `util`: running the binary with a timeout, temporary trees, parsing outputs;
//! - `schema_check`: the JSON Schemas of docs/schema, which every output `util` parses must match;
//! - `contract`: field presence and types, location shapes, exit statuses, `--help`;
//! - `detectors`: the detector lint, examples through the CLI, `--detectors DIR`;
//! - `fixtures`: every `fixtures/**/*.expect.jsonl` against a scan of its fixture;
//! - `parallel`: thread count and chunk size must not change the output;
//! - `parallel_memory`: threads reading into memory at once share one `--max-memory` budget;
//! - `outputs`: roots, refresh guard, outputs onto links/FIFOs/descriptors/the tree, names;
//! - `privacy`: no raw value leaves without `--reveal`, private output files, read-only scans;
//! - `bad_input`: encodings, broken files, symlinks, special files, walk options;
//! - `hostile_sheets`: hostile workbooks cost their own file (child process, memory budget);
//! - `archives`: zip/gzip/tar members as their own formats, nesting, bombs, encryption;
//! - `fingerprints`: keyed fingerprints, distinct counts, `pimap locate`;
//! - `identity`: finding and column ids stable across runs and refreshes, `first_seen`;
//! - `refresh`: `scan --baseline` reuse and its `changes`;
//! - `merge`: `scan --shard`/`--files-from` parts joined by `pimap merge` equal one scan;
//! - `live_db`: live PostgreSQL and MariaDB servers started by the tests: live scans equal dump scans, read-only, errors;
//! - `object_storage`: `s3://` roots on a moto S3 server started by the tests: bucket scans equal disk scans, errors, refresh, credentials;
//! - `stores`: `scan --store NAME=ROOT`: per-store paths, totals, copies; merging stores;
//! - `documents`: PDF, DOCX and PPTX text: pages, paragraphs, slides; encrypted, image-only, corrupt;
//! - `file_names`: file and folder names as data, suspected ID images (issue 14, item 4);
//! - `formats`: spreadsheets, SQLite files, huge dump lines, column classification;
//! - `minimize`: masked values, minors, dates, risk, policy actions;
//! - `identity_documents`: identity documents and online ids on `fixtures/identity`, 15-digit IDs;
//! - `names`: person names and nicknames: columns, labels, masking, `locate` of a name;
//! - `split_address`: addresses split across 省/市/区/detail fields become one finding;
//! - `diff`: `pimap diff` between two scans of a changing tree, text and JSON;
//! - `report`: `pimap report` to HTML, CSV and Markdown, and the HTML in headless Chromium;
//! - `workbook`: `pimap report --format xlsx` read back with calamine, and converted by headless LibreOffice;
//! - `schema`: the schemas themselves: valid draft 2020-12, printed by `pimap schema`, strict;
//! - `spark`: the Spark job (`deploy/spark`) in local mode, merged parts against one scan.

mod schema_check;
mod util;

mod archives;
mod bad_input;
mod contract;
mod detectors;
mod diff;
mod documents;
mod file_names;
mod fingerprints;
mod fixtures;
mod formats;
mod fuzz_regressions;
mod hostile;
mod hostile_archives;
mod hostile_sheets;
mod identity;
mod identity_documents;
mod live_db;
mod merge;
mod minimize;
mod names;
mod object_storage;
mod outputs;
mod parallel;
mod parallel_memory;
mod privacy;
mod refresh;
mod report;
mod schema;
mod spark;
mod split_address;
mod stores;
mod workbook;
