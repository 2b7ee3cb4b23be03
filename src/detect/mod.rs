//! Detection: text in, validated and scored hits out.
//!
//! Three stages, as in Nosey Parker: `DetectorSpec` (a TOML file as written) →
//! `DetectorSet` (everything compiled once, shared by all threads behind `&`) → `Scratch`
//! (per-thread reusable buffers). The engine extracts candidates once (`tokens`), gives
//! each to the detectors that accept its length, validates (`check`), then scores with
//! context (`context`). It knows nothing of files, formats or output.

pub mod address;
pub mod alnum;
pub mod check;
pub mod check_ids;
pub mod context;
pub mod date;
mod digits;
pub mod mask;
pub mod masked;
pub mod name;
pub mod online_id;
pub mod redact;
pub mod region;
pub mod spec;
pub mod tokens;

use crate::finding::{Category, Sensitivity};
use check::{Validator, Validity};
use context::{ContextWords, Cue};
use regex::Regex;
use rustc_hash::FxHashSet;
use spec::{BusinessContextSpec, DetectorSpec, MaskSpec, PatternSpec, TokenKind};
use std::path::Path;
use tokens::{DigitToken, EmailSpan};

/// The built-in detector files, embedded by `build.rs`.
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_detectors.rs"));

/// The business-number context words live in their own file, shared by every detector.
const BUSINESS_FILE: &str = "business_context.toml";

/// Longest digit token a detector may ask for.
const MAX_DIGITS: usize = 40;

/// Widest window of groups tried as one value (`6222 0212 3456 7890 128` is five).
const MAX_WINDOW_GROUPS: usize = 6;

/// Capture slots for patterns without a regex.
static EMPTY_REGEX: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new("").expect("the empty regex compiles"));

/// Most detectors one set can hold (context cues are a `u64` bitset).
const MAX_DETECTORS: usize = 64;

/// A compiled detector.
#[derive(Debug)]
pub struct Detector {
    pub id: String,
    pub category: Category,
    pub description: String,
    pub sensitivity: Sensitivity,
    pub mask: MaskSpec,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
    /// Whether any pattern has a validator (the lint then demands a checksum negative).
    pub validated: bool,
    /// Whether its values are whole cells of columns headed for it (names, nicknames): such
    /// a column is still judged by how many of its cells pass (a product `name` column).
    pub cell_valued: bool,
    /// Where the definition came from (file name), for messages.
    pub origin: String,
    /// How its values are written before they are fingerprinted.
    pub normal_form: spec::NormalForm,
    /// Already-masked shapes counted for it.
    pub masked_shapes: Vec<spec::MaskedKind>,
    /// Other spellings `locate` looks for.
    pub equivalent_forms: Option<spec::EquivalentForms>,
    /// Whether its hits are reported (`report = false`: it only claims look-alikes).
    pub report: bool,
    context_boost: f32,
    business_cap: f32,
}

#[derive(Debug)]
struct Pattern {
    detector: usize,
    token: TokenKind,
    lengths: u64,
    layouts: Vec<Vec<usize>>,
    regex: Option<Regex>,
    prefixes: Vec<String>,
    country_code: Option<(String, String)>,
    country_code_required: bool,
    value_prefix: String,
    validator: Option<Validator>,
    score: f32,
    score_weak: Option<f32>,
    layout_boost: f32,
    extension: bool,
    skip_local_parts: LocalParts,
    context_required: bool,
    neighbours: bool,
}

/// `skip_local_parts`, compiled: exact local parts by length, and the few prefixes (entries
/// ending in `*`). Every e-mail is checked, so a check compares at most the entries of its
/// length and the prefixes, not the whole list.
#[derive(Debug, Default)]
struct LocalParts {
    exact_by_len: Vec<Vec<Box<[u8]>>>,
    prefixes: Vec<Box<[u8]>>,
}

impl LocalParts {
    fn new(entries: &[String]) -> Self {
        let mut parts = LocalParts::default();
        for e in entries {
            let e = e.to_ascii_lowercase().into_bytes();
            match e.strip_suffix(b"*") {
                Some(prefix) => parts.prefixes.push(prefix.into()),
                None => {
                    if parts.exact_by_len.len() <= e.len() {
                        parts.exact_by_len.resize(e.len() + 1, Vec::new());
                    }
                    parts.exact_by_len[e.len()].push(e.into());
                }
            }
        }
        parts
    }

    fn is_empty(&self) -> bool {
        self.exact_by_len.is_empty() && self.prefixes.is_empty()
    }

    fn contains(&self, local: &[u8]) -> bool {
        self.exact_by_len
            .get(local.len())
            .is_some_and(|same| same.iter().any(|e| **e == *local))
            || self.prefixes.iter().any(|p| local.starts_with(p))
    }
}

/// One validated value in a piece of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Index into `DetectorSet::detectors()`.
    pub detector: usize,
    /// Byte span in the scanned text.
    pub start: usize,
    pub end: usize,
    /// Normalized value (no separators, upper-case X, no country code).
    pub value: String,
    pub confidence: f32,
    /// Addresses: what they resolve to.
    pub parts: Option<address::Parts>,
    /// An unlabelled value of a `neighbours` pattern that nothing in its own text supports:
    /// it counts only if its column does (`scan_awaiting_columns`); `confidence` is what it
    /// gets then.
    pub awaits_column: bool,
}

/// Per-thread scratch space, reused across calls.
#[derive(Debug, Default)]
pub struct Scratch {
    token: DigitToken,
    emails: Vec<EmailSpan>,
    /// The `@` of each e-mail a detector reported: digits before it are its local part.
    email_ats: Vec<usize>,
    /// Capture slots per pattern (regex captures without an allocation per candidate).
    captures: Vec<regex::CaptureLocations>,
    anchors: Vec<(usize, usize)>,
    addresses: Vec<address::AddressHit>,
    names: Vec<name::NameHit>,
    identifiers: Vec<(usize, usize)>,
    alnum: alnum::AlnumToken,
}

/// Where scoring writes: capture slots (scratch), hits, rejection counts.
struct Out<'a> {
    captures: &'a mut [regex::CaptureLocations],
    hits: &'a mut Vec<Hit>,
    rejected: &'a mut [u32],
    /// Of the gated detectors (`DetectorSet::gated`), those whose words occur in the text or
    /// that its header names (bit i = detector i), found once per text.
    labels: u64,
}

/// Detector definitions that do not pass the lint: every problem, one per line.
#[derive(Debug, thiserror::Error)]
#[error("invalid detector definitions:{}", .0.iter().map(|p| format!("\n  {p}")).collect::<String>())]
pub struct DetectorsError(pub Vec<Problem>);

/// Loads the detector set: built-ins, plus a folder when given (linted; problems are usage
/// errors).
pub fn load_detectors(dir: Option<&Path>) -> Result<DetectorSet, DetectorsError> {
    match dir {
        None => Ok(DetectorSet::builtin()),
        Some(dir) => DetectorSet::with_extra_dir(dir).map_err(DetectorsError),
    }
}

/// Keeps, in order, the hits from `first` on that `keep` accepts.
fn retain_from(hits: &mut Vec<Hit>, first: usize, keep: impl Fn(&Hit) -> bool) {
    let mut kept = first;
    for i in first..hits.len() {
        if keep(&hits[i]) {
            hits.swap(i, kept);
            kept += 1;
        }
    }
    hits.truncate(kept);
}

/// Unlabelled values of `neighbours` patterns supported on their own line: another value of
/// the same detector there, found without that rule (a list of IDs, one of them old).
fn supported_by_line(text: &[u8], hits: &mut [Hit]) {
    if !hits.iter().any(|h| h.awaits_column) {
        return;
    }
    let mut supported = Vec::new();
    for (i, h) in hits.iter().enumerate().filter(|(_, h)| h.awaits_column) {
        let line_start = memchr::memrchr(b'\n', &text[..h.start]).map_or(0, |nl| nl + 1);
        let line_end = memchr::memchr(b'\n', &text[h.end..]).map_or(text.len(), |nl| h.end + nl);
        if hits.iter().any(|o| {
            !o.awaits_column && o.detector == h.detector && (line_start..line_end).contains(&o.start)
        }) {
            supported.push(i);
        }
    }
    for i in supported {
        hits[i].awaits_column = false;
    }
}

/// What one scan call saw, beyond its hits: per detector, candidates that had the
/// detector's shape but failed its validator. Tables use it to spot columns of look-alikes.
pub type Rejections = Vec<u32>;

/// All detectors, compiled.
#[derive(Debug)]
pub struct DetectorSet {
    detectors: Vec<Detector>,
    patterns: Vec<Pattern>,
    /// Digit patterns by token length, in priority order.
    by_length: Vec<Vec<usize>>,
    email_patterns: Vec<usize>,
    regex_patterns: Vec<usize>,
    /// Alphanumeric patterns, in priority order.
    alnum_patterns: Vec<usize>,
    /// Detectors whose hits are not reported (bit i = detector i).
    unreported: u64,
    /// Detectors whose labels are looked for once per text before anything else (bit i =
    /// detector i): those with a `context_required` regex pattern (a text without their
    /// words is not searched with it) or digits pattern shorter than any ungated one (a text
    /// without their words is not cut into short digit tokens at all).
    gated: u64,
    /// Of those, the ones with short digits patterns.
    short_gated: u64,
    /// Their words, in one automaton.
    label_gate: Option<context::LabelGate>,
    /// The label words of the detectors with a `context_required` regex pattern, lower case:
    /// a match that is one of them is a label, not a value (`微信号: wechat_id`).
    regex_labels: FxHashSet<(usize, String)>,
    /// Shortest digits token of a pattern that needs no label.
    min_digits_ungated: usize,
    /// Address patterns and the matcher they share (built only when one exists).
    address_patterns: Vec<usize>,
    addresses: Option<address::AddressMatcher>,
    /// Person-name patterns, each with a matcher that knows its detector's labels.
    name_patterns: Vec<(usize, name::NameMatcher)>,
    nickname_patterns: Vec<(usize, name::Labels)>,
    /// Every character a name or nickname label starts with, and 收: text without any (and
    /// without a key or an identifier) holds no name in text.
    name_cues: name::CharSet,
    /// Shortest digits token any pattern accepts; shorter ones are not looked at.
    min_digits: usize,
    /// Words looked for near a value in text. Names' and nicknames' words are not among
    /// them: in text those are labels their own matcher reads, and they would only stand
    /// between another value and its cue (`手机 收货人 138…`).
    context: ContextWords,
    /// Every detector's words, for column headers and JSON keys.
    headers: ContextWords,
    /// Hash of every definition compiled in (names and texts): part of what decides whether
    /// an earlier scan's results are still valid.
    digest: String,
}

/// A problem with a detector definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

/// The built-in detector files as written, parsed once: what reading an inventory or writing
/// a report needs to know of a detector (category, class, Chinese name) without compiling
/// matchers. The test suite checks that every built-in file parses.
pub fn builtin_specs() -> &'static [DetectorSpec] {
    static SPECS: std::sync::LazyLock<Vec<DetectorSpec>> = std::sync::LazyLock::new(|| {
        BUILTIN
            .iter()
            .filter(|(name, _)| !name.ends_with(BUSINESS_FILE))
            .filter_map(|(_, text)| toml::from_str(text).ok())
            .collect()
    });
    &SPECS
}

/// The built-in detector with this id.
pub fn builtin_spec(id: &str) -> Option<&'static DetectorSpec> {
    builtin_specs().iter().find(|s| s.id == id)
}

impl DetectorSet {
    /// The built-in detectors. They are checked by the test suite, so failing here is a bug.
    pub fn builtin() -> Self {
        Self::from_sources(BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())))
            .unwrap_or_else(|p| panic!("built-in detectors are broken: {}", join(&p)))
    }

    /// Built-ins plus every `*.toml` in `dir` (`--detectors DIR`), compiled and linted.
    pub fn with_extra_dir(dir: &Path) -> Result<Self, Vec<Problem>> {
        let origin = dir.display().to_string();
        let problem = |message: String| {
            vec![Problem {
                origin: origin.clone(),
                message,
            }]
        };
        let entries = std::fs::read_dir(dir).map_err(|e| problem(format!("cannot read: {e}")))?;
        let mut sources: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let mut extra = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| problem(format!("cannot read: {e}")))?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = crate::settings_file::read_text(&path, crate::settings_file::DEFINITION_CAP)
                    .map_err(|e| problem(format!("cannot read {}: {e}", path.display())))?;
                extra.push((path.display().to_string(), text));
            }
        }
        extra.sort();
        sources.extend(extra);
        let set = Self::from_sources(sources.into_iter())?;
        let problems = set.lint();
        if problems.is_empty() {
            Ok(set)
        } else {
            Err(problems)
        }
    }

    /// Compiles (file name, TOML text) pairs.
    pub fn from_sources(sources: impl Iterator<Item = (String, String)>) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut specs = Vec::new();
        let mut business = Vec::new();
        let mut digest = <sha2::Sha256 as sha2::Digest>::new();
        for (origin, text) in sources {
            let name = Path::new(&origin)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned());
            sha2::Digest::update(&mut digest, name.unwrap_or_default().as_bytes());
            sha2::Digest::update(&mut digest, [0]);
            sha2::Digest::update(&mut digest, text.as_bytes());
            sha2::Digest::update(&mut digest, [0]);
            let is_business = Path::new(&origin).file_name().is_some_and(|f| f == BUSINESS_FILE);
            let parsed = if is_business {
                toml::from_str::<BusinessContextSpec>(&text).map(|b| business.extend(b.words))
            } else {
                toml::from_str::<DetectorSpec>(&text).map(|s| specs.push((origin.clone(), s)))
            };
            if let Err(e) = parsed {
                problems.push(Problem {
                    origin,
                    message: format!("invalid TOML: {}", e.message()),
                });
            }
        }
        specs.sort_by_key(|(_, s)| s.priority);
        if specs.len() > MAX_DETECTORS {
            problems.push(Problem {
                origin: "detectors".into(),
                message: format!("at most {MAX_DETECTORS} detectors are supported"),
            });
        }
        let mut detectors = Vec::new();
        let mut patterns = Vec::new();
        let mut words: Vec<(String, Cue)> = business.into_iter().map(|w| (w, Cue::Business)).collect();
        let mut header_words = words.clone();
        // Each detector's context words, by detector: name labels come from them.
        let mut labels: Vec<Vec<String>> = Vec::new();
        for (d, (origin, spec)) in specs.into_iter().enumerate().take(MAX_DETECTORS) {
            let mut complain = |message: String| {
                problems.push(Problem {
                    origin: format!("{origin} ({})", spec.id),
                    message,
                })
            };
            if detectors.iter().any(|x: &Detector| x.id == spec.id) {
                complain("duplicate detector id".into());
            }
            let snake = !spec.id.is_empty()
                && spec.id.starts_with(|c: char| c.is_ascii_lowercase())
                && spec
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !snake {
                complain("id must be snake_case".into());
            }
            if spec.patterns.is_empty() {
                complain("no [[pattern]]".into());
            }
            if spec.examples.is_empty() || spec.negative_examples.is_empty() {
                complain("needs at least one example and one negative example".into());
            }
            for p in &spec.patterns {
                match compile_pattern(d, p) {
                    Ok(p) => patterns.push(p),
                    Err(e) => complain(format!("pattern {:?}: {e}", p.name)),
                }
            }
            let cell_valued = spec
                .patterns
                .iter()
                .any(|p| matches!(p.token, TokenKind::PersonName | TokenKind::Nickname));
            header_words.extend(spec.context.iter().map(|w| (w.clone(), Cue::Names(1 << d))));
            if !cell_valued {
                words.extend(spec.context.iter().map(|w| (w.clone(), Cue::Names(1 << d))));
            }
            labels.push(spec.context.clone());
            detectors.push(Detector {
                validated: spec.patterns.iter().any(|p| p.validator.is_some()),
                cell_valued,
                id: spec.id,
                category: spec.category,
                description: spec.description,
                sensitivity: spec.sensitivity,
                mask: spec.mask,
                examples: spec.examples,
                negative_examples: spec.negative_examples,
                origin,
                normal_form: spec.normal_form,
                masked_shapes: spec.masked_shapes,
                equivalent_forms: spec.equivalent_forms,
                report: spec.report,
                context_boost: spec.context_boost,
                business_cap: spec.business_cap,
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut by_length = vec![Vec::new(); MAX_DIGITS + 1];
        let mut email_patterns = Vec::new();
        let mut regex_patterns = Vec::new();
        let mut alnum_patterns = Vec::new();
        let mut address_patterns = Vec::new();
        let mut name_patterns = Vec::new();
        let mut nickname_patterns = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            match p.token {
                TokenKind::Digits => {
                    for (len, slot) in by_length.iter_mut().enumerate() {
                        if p.lengths & (1 << len) != 0 {
                            slot.push(i);
                        }
                    }
                }
                TokenKind::Email => email_patterns.push(i),
                TokenKind::Regex => regex_patterns.push(i),
                TokenKind::Alnum => alnum_patterns.push(i),
                TokenKind::Address => address_patterns.push(i),
                TokenKind::PersonName => name_patterns.push((i, name::NameMatcher::new(&labels[p.detector]))),
                TokenKind::Nickname => nickname_patterns.push((i, name::Labels::new(&labels[p.detector]))),
            }
        }
        let min_digits = by_length.iter().position(|p| !p.is_empty()).unwrap_or(usize::MAX);
        let lowest = |p: &Pattern| {
            (0..=MAX_DIGITS)
                .find(|&l| p.lengths & (1 << l) != 0)
                .unwrap_or(usize::MAX)
        };
        let min_digits_ungated = patterns
            .iter()
            .filter(|p| p.token == TokenKind::Digits && !p.context_required)
            .map(lowest)
            .min()
            .unwrap_or(usize::MAX);
        let mut gated = 0u64;
        let mut short_gated = 0u64;
        for p in patterns.iter().filter(|p| p.context_required) {
            if p.token == TokenKind::Regex {
                gated |= 1 << p.detector;
            }
            if p.token == TokenKind::Digits && lowest(p) < min_digits_ungated {
                gated |= 1 << p.detector;
                short_gated |= 1 << p.detector;
            }
        }
        let gate_words: Vec<(String, u64)> = (0..detectors.len())
            .filter(|d| gated & (1 << d) != 0)
            .flat_map(|d| labels[d].iter().map(move |w| (w.clone(), 1u64 << d)))
            .collect();
        let label_gate = (!gate_words.is_empty()).then(|| context::LabelGate::new(&gate_words));
        let regex_labels = patterns
            .iter()
            .filter(|p| p.context_required && p.token == TokenKind::Regex)
            .flat_map(|p| labels[p.detector].iter().map(|w| (p.detector, w.to_lowercase())))
            .collect();
        let unreported = detectors
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.report)
            .fold(0, |bits, (d, _)| bits | 1 << d);
        Ok(DetectorSet {
            addresses: (!address_patterns.is_empty()).then(address::AddressMatcher::new),
            address_patterns,
            name_cues: {
                let mut cues = name::CharSet::new(['收']);
                for labels in name_patterns
                    .iter()
                    .map(|(_, m)| m.labels())
                    .chain(nickname_patterns.iter().map(|(_, l)| l))
                {
                    cues.union(&labels.han_starts);
                }
                cues
            },
            name_patterns,
            nickname_patterns,
            min_digits,
            detectors,
            patterns,
            by_length,
            email_patterns,
            regex_patterns,
            alnum_patterns,
            unreported,
            gated,
            short_gated,
            label_gate,
            regex_labels,
            min_digits_ungated: min_digits_ungated.min(MAX_DIGITS + 1).max(min_digits),
            context: ContextWords::new(&words),
            headers: ContextWords::new(&header_words),
            digest: sha2::Digest::finalize(digest)[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        })
    }

    /// Hash of the definitions this set was compiled from.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The detectors, in priority order; `Hit::detector` indexes this.
    pub fn detectors(&self) -> &[Detector] {
        &self.detectors
    }

    /// What a column header says: `Some(Cue::Names(..))` for 手机号 or `receiver_mobile`,
    /// `Some(Cue::Business)` for 订单编号, `None` for 备注.
    pub fn header_cue(&self, header: &str) -> Option<Cue> {
        self.headers.last_cue(header)
    }

    /// Finds every value in `text`. `header` is the column's cue (tables, JSON keys). Hits
    /// are appended to `hits` in text order; shaped-but-invalid candidates are counted in
    /// `rejected` (indexed by detector, sized by the caller to `detectors().len()`).
    pub fn scan(
        &self,
        text: &str,
        header: Option<Cue>,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
        rejected: &mut [u32],
    ) {
        self.scan_reported(text, header, scratch, hits, rejected, false);
    }

    /// `scan` for a table cell or JSON value: also keeps the hits that await their column's
    /// support (`Hit::awaits_column`); the caller judges them by the column.
    pub fn scan_awaiting_columns(
        &self,
        text: &str,
        header: Option<Cue>,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
        rejected: &mut [u32],
    ) {
        self.scan_reported(text, header, scratch, hits, rejected, true);
    }

    fn scan_reported(
        &self,
        text: &str,
        header: Option<Cue>,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
        rejected: &mut [u32],
        keep_awaiting: bool,
    ) {
        let first_hit = hits.len();
        self.recognise_awaiting(text, header, scratch, hits, rejected, keep_awaiting);
        if self.unreported != 0 {
            retain_from(hits, first_hit, |h| self.unreported & (1 << h.detector) == 0);
        }
    }

    /// `scan`, keeping the hits of detectors that are not reported (`report = false`): what
    /// the engine recognised, for the lint and `pimap detectors`.
    pub fn recognise(
        &self,
        text: &str,
        header: Option<Cue>,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
        rejected: &mut [u32],
    ) {
        self.recognise_awaiting(text, header, scratch, hits, rejected, false);
    }

    /// `recognise`; with `keep_awaiting`, also the hits that await their column's support.
    fn recognise_awaiting(
        &self,
        text: &str,
        header: Option<Cue>,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
        rejected: &mut [u32],
        keep_awaiting: bool,
    ) {
        let bytes = text.as_bytes();
        let first_hit = hits.len();
        if scratch.captures.len() != self.patterns.len() {
            scratch.captures = self
                .patterns
                .iter()
                .map(|p| match &p.regex {
                    Some(r) => r.capture_locations(),
                    None => EMPTY_REGEX.capture_locations(),
                })
                .collect();
        }
        let mut out = Out {
            captures: &mut scratch.captures,
            hits,
            rejected,
            labels: 0,
        };
        if self.gated != 0 {
            let named = match header {
                Some(Cue::Names(bits)) => bits & self.gated,
                _ => 0,
            };
            let found = self.label_gate.as_ref().map_or(0, |g| g.names_in(bytes));
            out.labels = named | found;
        }
        // Short numbers are only looked at when a detector that wants them has its label here.
        let min_digits = if out.labels & self.short_gated != 0 {
            self.min_digits
        } else {
            self.min_digits_ungated
        };
        scratch.email_ats.clear();
        if !self.email_patterns.is_empty() && memchr::memchr(b'@', bytes).is_some() {
            scratch.emails.clear();
            tokens::for_each_email(bytes, |e| scratch.emails.push(e));
            for e in &scratch.emails {
                if self.score_email(text, *e, header, &mut out) {
                    scratch.email_ats.push(e.at);
                }
            }
        }
        let mut floor = 0;
        let mut token = std::mem::take(&mut scratch.token);
        let email_ats = &scratch.email_ats;
        // Alphanumeric candidates are found in the same pass, from the digit runs that touch a
        // letter; their hits are scored after (a cell rarely holds both kinds).
        let out = std::cell::RefCell::new(out);
        let alnum_tok = &mut scratch.alnum;
        let mut alnum_floor = 0;
        let letters = (!self.alnum_patterns.is_empty()).then_some(|i: usize| {
            let (found, end) = alnum::alnum_at(bytes, i, alnum_tok);
            if found {
                self.score_alnum(bytes, alnum_tok, header, &mut alnum_floor, &mut out.borrow_mut());
            }
            end
        });
        tokens::for_each_token(
            bytes,
            min_digits,
            &mut token,
            |tok| self.score_digits(bytes, tok, header, email_ats, &mut floor, &mut out.borrow_mut()),
            letters,
        );
        let mut out = out.into_inner();
        scratch.token = token;
        supported_by_line(bytes, &mut out.hits[first_hit..]);
        for &pi in &self.regex_patterns {
            self.score_regex(text, pi, header, &mut out);
        }
        if let Some(matcher) = &self.addresses {
            scratch.addresses.clear();
            // A column named by an address word: each cell is one address field.
            let labelled = self
                .address_patterns
                .first()
                .is_some_and(|&pi| header.is_some_and(|c| c.names(self.patterns[pi].detector)));
            matcher.find(text, labelled, &mut scratch.anchors, &mut scratch.addresses);
            self.score_addresses(&scratch.addresses, text, header, &mut out);
        }
        if !self.name_patterns.is_empty() || !self.nickname_patterns.is_empty() {
            self.score_names(
                text,
                header,
                first_hit,
                (&mut scratch.identifiers, &mut scratch.names),
                &mut out,
            );
        }
        if !keep_awaiting {
            retain_from(hits, first_hit, |h| !h.awaits_column);
        }
        if hits.len() - first_hit > 1 {
            hits[first_hit..].sort_by_key(|h| (h.start, h.detector));
        }
    }

    /// Names and nicknames: a cell of a column headed for them is judged whole (and counted
    /// against the column when it fails); text is searched for labelled names and names
    /// beside the identifiers already found in it (`hits[first_hit..]`).
    fn score_names(
        &self,
        text: &str,
        header: Option<Cue>,
        first_hit: usize,
        (identifiers, names): (&mut Vec<(usize, usize)>, &mut Vec<name::NameHit>),
        out: &mut Out<'_>,
    ) {
        let headed = |d: usize| header.is_some_and(|c| c.names(d));
        // Text mode needs a key, or Han characters with a label, a 收 or an identifier.
        let text_mode = memchr::memchr2(b':', b'=', text.as_bytes()).is_some()
            || (name::has_han(text) && (out.hits.len() > first_hit || self.name_cues.any_in(text)));
        for (pi, labels) in &self.nickname_patterns {
            let p = &self.patterns[*pi];
            if headed(p.detector) {
                self.take_cell(online_id::cell(text), text, *pi, out);
                continue;
            }
            if !text_mode {
                continue;
            }
            identifiers.clear();
            online_id::find(labels, text, identifiers);
            for &span in identifiers.iter() {
                self.push_name(*pi, text, span, name::Evidence::Label, out);
            }
        }
        for (pi, matcher) in &self.name_patterns {
            let p = &self.patterns[*pi];
            if headed(p.detector) {
                let verdict = matcher.cell(text);
                let named = matches!(verdict, name::CellVerdict::Name(..));
                self.take_cell(verdict, text, *pi, out);
                if named {
                    continue;
                }
            }
            if !text_mode {
                continue;
            }
            identifiers.clear();
            identifiers.extend(
                out.hits[first_hit..]
                    .iter()
                    .filter(|h| {
                        !h.awaits_column
                            && matches!(
                                self.detectors[h.detector].category,
                                Category::NationalId
                                    | Category::BankCard
                                    | Category::Phone
                                    | Category::Passport
                            )
                    })
                    .map(|h| (h.start, h.end)),
            );
            names.clear();
            matcher.find(text, identifiers, names);
            for hit in names.iter() {
                self.push_name(*pi, text, (hit.start, hit.end), hit.evidence, out);
            }
        }
    }

    /// A cell judged whole (its column is headed for the pattern's detector): its value, or a
    /// rejection counted for the column.
    fn take_cell(&self, verdict: name::CellVerdict, text: &str, pi: usize, out: &mut Out<'_>) {
        match verdict {
            name::CellVerdict::Name(start, end) => {
                self.push_name(pi, text, (start, end), name::Evidence::Column, out)
            }
            name::CellVerdict::NotAName => out.rejected[self.patterns[pi].detector] += 1,
            name::CellVerdict::Blank => {}
        }
    }

    /// A name or nickname at `start..end`. A header or a label is the detector's own word
    /// (`收货人`, `旺旺：`): it boosts the confidence as context does; other evidence stands alone.
    fn push_name(
        &self,
        pi: usize,
        text: &str,
        (start, end): (usize, usize),
        evidence: name::Evidence,
        out: &mut Out<'_>,
    ) {
        let p = &self.patterns[pi];
        let named = matches!(evidence, name::Evidence::Column | name::Evidence::Label);
        out.hits.push(Hit {
            detector: p.detector,
            start,
            end,
            value: text[start..end].to_string(),
            confidence: self.with_context(
                p.detector,
                evidence.score() * p.score,
                named.then_some(Cue::Names(1 << p.detector)),
            ),
            parts: None,
            awaits_column: false,
        });
    }

    /// Scores one e-mail candidate; true when a detector reported it.
    fn score_email(&self, text: &str, e: EmailSpan, header: Option<Cue>, out: &mut Out<'_>) -> bool {
        let value = text[e.start..e.end].to_ascii_lowercase();
        for &pi in &self.email_patterns {
            let p = &self.patterns[pi];
            let Some(v) = p.capture(&value, &mut out.captures[pi]) else {
                continue;
            };
            if p.skips_local_part(v) {
                return false;
            }
            let Some(base) = p.base_score(v, &mut out.rejected[p.detector]) else {
                continue;
            };
            let cue = self.context.near(text.as_bytes(), e.start, e.end, 0).or(header);
            out.hits.push(Hit {
                detector: p.detector,
                start: e.start,
                end: e.end,
                value: v.to_owned(),
                confidence: self.with_context(p.detector, base, cue),
                parts: None,
                awaits_column: false,
            });
            return true;
        }
        false
    }

    /// Whether a candidate of a `context_required` pattern of detector `d` at `start..end` is
    /// labelled: the header names the detector, or one of its words is the nearest context
    /// word before it on its line. A word after it does not count: it is as often the label
    /// of what follows (`examples/wechat_id/0.txt`, `Lily 微信 zhangsan_88`).
    fn labelled(
        &self,
        d: usize,
        text: &[u8],
        (start, _end): (usize, usize),
        floor: usize,
        header: Option<Cue>,
    ) -> bool {
        header.is_some_and(|c| c.names(d))
            || self
                .context
                .before(text, start, floor)
                .is_some_and(|c| c.names(d))
    }

    /// Whether a business word (订单号) is the nearest context word before `start`, or the
    /// header: what keeps an unlabelled `neighbours` value quiet whatever surrounds it.
    fn business_before(&self, text: &[u8], start: usize, floor: usize, header: Option<Cue>) -> bool {
        header == Some(Cue::Business) || self.context.before(text, start, floor) == Some(Cue::Business)
    }

    /// Whether a `context_required` pattern can find anything in this text: false when its
    /// detector is gated (`DetectorSet::gated`) and neither its words occur in the text nor
    /// the header names it. Ungated detectors answer at each candidate (`labelled`).
    fn may_hold(&self, p: &Pattern, labels: u64) -> bool {
        let bit = 1 << p.detector;
        !p.context_required || self.gated & bit == 0 || labels & bit != 0
    }

    /// Scores one alphanumeric candidate: patterns in priority order, the first that
    /// validates claims it.
    fn score_alnum(
        &self,
        text: &[u8],
        tok: &alnum::AlnumToken,
        header: Option<Cue>,
        floor: &mut usize,
        out: &mut Out<'_>,
    ) {
        let span = (tok.start, tok.end);
        for &pi in &self.alnum_patterns {
            let p = &self.patterns[pi];
            if tok.len > MAX_DIGITS || p.lengths & (1 << tok.len) == 0 {
                continue;
            }
            let Some(captured) = p.capture(&tok.text, &mut out.captures[pi]) else {
                continue;
            };
            if p.context_required
                && !(self.may_hold(p, out.labels) && self.labelled(p.detector, text, span, *floor, header))
            {
                continue;
            }
            // The value is written without the brackets of a check character.
            let value: String = captured.chars().filter(|&c| c != '(' && c != ')').collect();
            let Some(base) = p.base_score(&value, &mut out.rejected[p.detector]) else {
                continue;
            };
            let cue = self.context.near(text, tok.start, tok.end, *floor).or(header);
            out.hits.push(Hit {
                detector: p.detector,
                start: tok.start,
                end: tok.end,
                value,
                confidence: self.with_context(p.detector, base, cue),
                parts: None,
                awaits_column: false,
            });
            break;
        }
        *floor = tok.end;
    }

    fn score_regex(&self, text: &str, pi: usize, header: Option<Cue>, out: &mut Out<'_>) {
        let p = &self.patterns[pi];
        let Some(regex) = &p.regex else { return };
        let bytes = text.as_bytes();
        if !self.may_hold(p, out.labels) {
            return;
        }
        for caps in regex.captures_iter(text) {
            let (Some(whole), Some(m)) = (caps.get(0), caps.get(1).or_else(|| caps.get(0))) else {
                continue;
            };
            // Token boundaries: a match touching an ASCII letter or digit is part of a longer
            // token (`SKUE12345678`); a CJK character or punctuation ends a token.
            let touches = (whole.start() > 0 && bytes[whole.start() - 1].is_ascii_alphanumeric())
                || bytes.get(whole.end()).is_some_and(u8::is_ascii_alphanumeric);
            if touches || whole.is_empty() {
                continue;
            }
            if p.context_required
                && (!self.labelled(p.detector, bytes, (m.start(), m.end()), 0, header)
                    || self
                        .regex_labels
                        .contains(&(p.detector, m.as_str().to_lowercase())))
            {
                continue;
            }
            let Some(base) = p.base_score(m.as_str(), &mut out.rejected[p.detector]) else {
                continue;
            };
            let cue = self
                .context
                .near(text.as_bytes(), m.start(), m.end(), 0)
                .or(header);
            out.hits.push(Hit {
                detector: p.detector,
                start: m.start(),
                end: m.end(),
                value: m.as_str().to_owned(),
                confidence: self.with_context(p.detector, base, cue),
                parts: None,
                awaits_column: false,
            });
        }
    }

    fn score_addresses(
        &self,
        found: &[address::AddressHit],
        text: &str,
        header: Option<Cue>,
        out: &mut Out<'_>,
    ) {
        let Some(&pi) = self.address_patterns.first() else {
            return;
        };
        let p = &self.patterns[pi];
        for hit in found {
            let cue = self
                .context
                .near(text.as_bytes(), hit.start, hit.end, 0)
                .or(header)
                .or(hit.labelled.then_some(Cue::Names(1 << p.detector)));
            // The matcher's confidence is scaled by the pattern's score (1.0 keeps it).
            out.hits.push(Hit {
                detector: p.detector,
                start: hit.start,
                end: hit.end,
                value: text.get(hit.start..hit.end).unwrap_or_default().to_string(),
                confidence: self.with_context(p.detector, hit.confidence * p.score, cue),
                parts: Some(hit.parts.clone()),
                awaits_column: false,
            });
        }
    }

    /// The address detector, if the set has one.
    pub fn address_detector(&self) -> Option<usize> {
        self.address_patterns
            .first()
            .map(|&pi| self.patterns[pi].detector)
    }

    /// The address in `text`, the fields of one record joined (`address::fields::join`),
    /// scored as if a header named it, since the fields' names say what they hold. Read as a
    /// cell of an address column when the detail alone was one (`detail_is_address`), else
    /// as free text must be (reaching a household): admin fields do not make `其他` or a
    /// bare road an address. The longest hit, if any.
    pub fn joined_address(&self, text: &str, detail_is_address: bool, scratch: &mut Scratch) -> Option<Hit> {
        let (matcher, d) = (self.addresses.as_ref()?, self.address_detector()?);
        scratch.addresses.clear();
        matcher.find(
            text,
            detail_is_address,
            &mut scratch.anchors,
            &mut scratch.addresses,
        );
        let mut hits = Vec::new();
        let mut out = Out {
            captures: &mut scratch.captures,
            hits: &mut hits,
            rejected: &mut [],
            labels: 0,
        };
        self.score_addresses(&scratch.addresses, text, Some(Cue::Names(1 << d)), &mut out);
        hits.into_iter().max_by_key(|h| h.end - h.start)
    }

    fn with_context(&self, d: usize, base: f32, cue: Option<Cue>) -> f32 {
        let det = &self.detectors[d];
        let c = match cue {
            Some(Cue::Business) => base.min(det.business_cap),
            Some(c) if c.names(d) => base + det.context_boost,
            _ => base,
        };
        c.clamp(0.0, 0.99)
    }

    /// Checks every detector against its own examples through this engine: each example
    /// must yield the detector (at the default confidence), no negative may, and a detector
    /// with a validator must have a negative that has its shape but fails the check.
    pub fn lint(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut scratch = Scratch::default();
        let n = self.detectors.len();
        for (d, det) in self.detectors.iter().enumerate() {
            let mut complain = |message: String| {
                problems.push(Problem {
                    origin: format!("{} ({})", det.origin, det.id),
                    message,
                })
            };
            for ex in &det.examples {
                let (hits, _) = self.scan_alone(ex, &mut scratch, n);
                if !hits
                    .iter()
                    .any(|h| h.detector == d && h.confidence >= crate::DEFAULT_MIN_CONFIDENCE)
                {
                    complain(format!("example not found: {ex:?}"));
                }
            }
            let mut checksum_negative = false;
            for ex in &det.negative_examples {
                let (hits, rejected) = self.scan_alone(ex, &mut scratch, n);
                if hits
                    .iter()
                    .any(|h| h.detector == d && h.confidence >= crate::DEFAULT_MIN_CONFIDENCE)
                {
                    complain(format!("negative example found: {ex:?}"));
                }
                checksum_negative |= rejected[d] > 0;
            }
            if det.validated && !checksum_negative {
                complain("no negative example has the pattern's shape but fails the validator".into());
            }
        }
        problems
    }

    fn scan_alone(&self, text: &str, scratch: &mut Scratch, n: usize) -> (Vec<Hit>, Rejections) {
        let mut hits = Vec::new();
        let mut rejected = vec![0; n];
        self.recognise(text, None, scratch, &mut hits, &mut rejected);
        (hits, rejected)
    }
}

impl Pattern {
    /// Whether this is a pattern without a validator whose `prefixes` `token` lacks (a
    /// pattern with a country code strips it first: not judged here).
    fn misses_its_prefix(&self, token: &str) -> bool {
        self.validator.is_none()
            && self.country_code.is_none()
            && !self.prefixes.is_empty()
            && !self.prefixes.iter().any(|p| token.starts_with(p.as_str()))
    }

    /// The value if the (anchored) regex matches: capture group 1, else the whole match.
    fn capture<'a>(&self, token: &'a str, slots: &mut regex::CaptureLocations) -> Option<&'a str> {
        let mut value = token;
        if let Some((short, long)) = &self.country_code {
            match value
                .strip_prefix(long.as_str())
                .or_else(|| value.strip_prefix(short.as_str()))
            {
                Some(rest) => value = rest,
                None if self.country_code_required => return None,
                None => {}
            }
        }
        if !self.prefixes.is_empty() && !self.prefixes.iter().any(|p| value.starts_with(p.as_str())) {
            return None;
        }
        let Some(regex) = &self.regex else {
            return Some(value);
        };
        if regex.captures_len() == 1 {
            return regex.is_match(value).then_some(value);
        }
        let whole = regex.captures_read(slots, value)?;
        let (start, end) = slots.get(1).unwrap_or((whole.start(), whole.end()));
        value.get(start..end)
    }

    /// Whether an e-mail's local part (`+tag` ignored) is one of `skip_local_parts`: a role
    /// or machine mailbox (`noreply`, `bounce*`), not a person.
    fn skips_local_part(&self, email: &str) -> bool {
        if self.skip_local_parts.is_empty() {
            return false;
        }
        let b = email.as_bytes();
        let local = b.iter().rposition(|&c| c == b'@').map_or(b, |at| &b[..at]);
        let local = local
            .iter()
            .position(|&c| c == b'+')
            .map_or(local, |plus| &local[..plus]);
        self.skip_local_parts.contains(local)
    }

    /// The starting confidence, or None when the validator rejects (counted in `rejected`).
    fn base_score(&self, value: &str, rejected: &mut u32) -> Option<f32> {
        match self.validator.map_or(Validity::Valid, |v| v(value)) {
            Validity::Valid => Some(self.score),
            Validity::Weak if self.score_weak.is_some() => self.score_weak,
            _ => {
                *rejected += 1;
                None
            }
        }
    }
}

/// Why a pattern of a detector definition cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("unknown validator {name:?} (known: {})", known_validators())]
    UnknownValidator { name: String },
    #[error("needs a `regex`")]
    NeedsRegex,
    #[error("regex: {0}")]
    Regex(#[from] regex::Error),
    #[error("length {0} outside 1..={MAX_DIGITS}")]
    Length(usize),
    #[error("a digits pattern needs `lengths`")]
    NeedsLengths,
    #[error("bad layout {0:?}")]
    Layout(String),
    #[error("score {0} outside 0..=1")]
    Score(f32),
    #[error("`neighbours` needs `context_required = true` and `token = \"digits\"`")]
    Neighbours,
}

fn known_validators() -> String {
    let known: Vec<&str> = check::VALIDATORS.iter().map(|(n, _)| *n).collect();
    known.join(", ")
}

fn compile_pattern(detector: usize, p: &PatternSpec) -> Result<Pattern, PatternError> {
    let validator = match &p.validator {
        Some(name) => Some(
            check::validator(name).ok_or_else(|| PatternError::UnknownValidator { name: name.clone() })?,
        ),
        None => None,
    };
    let regex = match (&p.regex, p.token) {
        (Some(r), TokenKind::Regex) => Some(ascii_word_boundaries(r)),
        (Some(r), _) => Some(format!("^(?:{r})$")),
        (
            None,
            TokenKind::Digits
            | TokenKind::Alnum
            | TokenKind::Address
            | TokenKind::PersonName
            | TokenKind::Nickname,
        ) => None,
        (None, _) => return Err(PatternError::NeedsRegex),
    };
    let regex = regex.map(|r| Regex::new(&r)).transpose()?;
    let country_code = p.country_code.as_ref().map(|c| (c.clone(), format!("00{c}")));
    let mut lengths = 0u64;
    for &len in &p.lengths {
        if len == 0 || len > MAX_DIGITS {
            return Err(PatternError::Length(len));
        }
        lengths |= 1 << len;
    }
    if matches!(p.token, TokenKind::Digits | TokenKind::Alnum) && lengths == 0 {
        return Err(PatternError::NeedsLengths);
    }
    if p.neighbours && !(p.context_required && p.token == TokenKind::Digits) {
        return Err(PatternError::Neighbours);
    }
    let layouts = p
        .layouts
        .iter()
        .map(|l| {
            l.split('-')
                .map(|n| n.parse::<usize>().map_err(|_| PatternError::Layout(l.clone())))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    for s in std::iter::once(p.score).chain(p.score_weak) {
        if !(0.0..=1.0).contains(&s) {
            return Err(PatternError::Score(s));
        }
    }
    Ok(Pattern {
        detector,
        token: p.token,
        lengths,
        layouts,
        regex,
        prefixes: p.prefixes.clone(),
        country_code,
        country_code_required: p.country_code_required,
        value_prefix: p.value_prefix.clone(),
        validator,
        score: p.score,
        score_weak: p.score_weak,
        layout_boost: p.layout_boost,
        extension: p.extension,
        skip_local_parts: LocalParts::new(&p.skip_local_parts),
        context_required: p.context_required,
        neighbours: p.neighbours,
    })
}

/// A user regex with `\b` read as an ASCII word boundary (`(?-u:\b)`): a CJK character
/// next to a value is a boundary (`护照E12345678`), as it is for the built-in tokens. Unicode
/// `\b` counts CJK characters as word characters and would miss it.
fn ascii_word_boundaries(regex: &str) -> String {
    let mut out = String::with_capacity(regex.len() + 8);
    let mut chars = regex.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str("(?-u:\\b)"),
            Some(next) => {
                out.push(c);
                out.push(next);
            }
            None => out.push(c),
        }
    }
    out
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}
