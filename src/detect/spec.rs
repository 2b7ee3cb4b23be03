//! Detector definitions as written in `detectors/*.toml` (the serde mirror of a file).
//!
//! Nothing here is checked beyond what serde checks; `DetectorSet::compile` turns specs into
//! the compiled form and reports every problem it finds. Field reference: `detectors/README.md`.

pub use super::masked::MaskedKind;
use crate::finding::{Category, Sensitivity};
use serde::Deserialize;

/// One detector file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSpec {
    /// Stable snake_case id (contract field `detector`).
    pub id: String,
    pub category: Category,
    pub description: String,
    /// The detector's name in Chinese reports (`居民身份证号`); reports show the id without it.
    #[serde(default)]
    pub name_zh: Option<String>,
    /// PIPL class of what it finds.
    #[serde(default)]
    pub sensitivity: Sensitivity,
    /// How `masked` is built from the normalized value.
    pub mask: MaskSpec,
    /// Lower runs first; the first detector that validates a token claims it (an 18-digit
    /// value that is a valid ID is not also reported as a card).
    #[serde(default = "default_priority")]
    pub priority: u32,
    /// Words near a value (or in its column header) that make it more likely this detector's.
    #[serde(default)]
    pub context: Vec<String>,
    /// Added to the confidence when a context word is near or in the header.
    #[serde(default = "default_context_boost")]
    pub context_boost: f32,
    /// Confidence is capped at this when the nearest context word names a business number
    /// (order, waybill, trade number: `detectors/business_context.toml`).
    #[serde(default = "default_business_cap")]
    pub business_cap: f32,
    /// Inputs on which the detector must report (checked by the lint test and `--detectors`).
    pub examples: Vec<String>,
    /// Inputs on which it must not.
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(rename = "pattern")]
    pub patterns: Vec<PatternSpec>,
    /// How a value is written before it is fingerprinted (`locate`, copies across files), so
    /// that spellings of one value match.
    #[serde(default)]
    pub normal_form: NormalForm,
    /// Shapes of already-masked values (`138****5678`) counted for this detector
    /// (`detect::masked`); the first detector in priority order that names a shape gets it.
    #[serde(default)]
    pub masked_shapes: Vec<MaskedKind>,
    /// Other spellings of one value that `locate` also looks for.
    #[serde(default)]
    pub equivalent_forms: Option<EquivalentForms>,
    /// Whether its values are reported. A detector with `report = false` recognises values
    /// that are not personal data (a company's unified social credit code) so that they are
    /// claimed before a look-alike detector of lower rank would take them; its hits are
    /// dropped before anything is written, and it is no category's reporter.
    #[serde(default = "default_report")]
    pub report: bool,
}

fn default_report() -> bool {
    true
}

/// How a value is written before it is fingerprinted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormalForm {
    /// As normalized by the detector (digits without separators, upper-case X).
    #[default]
    AsFound,
    /// Lower-cased (e-mail addresses).
    Lowercase,
    /// Without white space (addresses typed with spaces between their parts).
    NoSpaces,
    /// Without white space and lower-cased (王 芳 and 王芳, Zhang Wei and ZHANG WEI).
    NoSpacesLowercase,
    /// Without white space or separator dots and hyphens, upper-cased (车牌 浙A·12345 and
    /// 浙a12345).
    Compact,
}

/// Spellings of one value that name the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EquivalentForms {
    /// A resident ID's 15-digit (GB 11643-1989) and 18-digit (GB 11643-1999) forms.
    #[serde(rename = "resident_id_15_18")]
    ResidentId15And18,
}

/// One way of recognizing the detector's values.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternSpec {
    pub name: String,
    /// Which candidates the pattern looks at.
    pub token: TokenKind,
    /// Digits tokens: accepted lengths (digits, counting a trailing check `X`).
    #[serde(default)]
    pub lengths: Vec<usize>,
    /// Digits tokens written with separators (`138 1234 5678`): accepted group layouts such
    /// as `"3-4-4"`. A token without separators is always accepted.
    #[serde(default)]
    pub layouts: Vec<String>,
    /// Digits tokens: the value (after the country code) must start with one of these.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Digits tokens: a leading country code (`86`, or `0086`) that is removed before the
    /// value is checked; `+86 138…` and `138…` give the same value.
    #[serde(default)]
    pub country_code: Option<String>,
    /// With `country_code`: accept only values written with it.
    #[serde(default)]
    pub country_code_required: bool,
    /// Anchored regex over the normalized value (digits and e-mail tokens; optional for
    /// digits, where `lengths` and `prefixes` are much cheaper), or searched in the text
    /// (regex tokens). Capture group 1, if any, is the value.
    #[serde(default)]
    pub regex: Option<String>,
    /// Prepended to the captured value before validation: `+86-451-2695…` is written
    /// without the trunk 0 that the normalized landline carries.
    #[serde(default)]
    pub value_prefix: String,
    /// A row of `VALIDATORS` in `check.rs`; none means every shape match is `Valid`.
    #[serde(default)]
    pub validator: Option<String>,
    /// Confidence of a valid value.
    pub score: f32,
    /// Confidence of a value the validator calls weak (passes the hard checks, fails a soft
    /// one: unknown county code, a Chinese BIN without a Luhn pass).
    #[serde(default)]
    pub score_weak: Option<f32>,
    /// Added when the value is written in one of the `layouts` (people group card numbers by
    /// four; machines do not).
    #[serde(default)]
    pub layout_boost: f32,
    /// Digits tokens: the value ends in an extension, written after a hyphen or a marker
    /// (`17012345678-1234`, `…转1234`, `…分机1234`, `…,1234`, `…#1234`); a run without one,
    /// or a last group after a space or dot, is not accepted.
    #[serde(default)]
    pub extension: bool,
    /// E-mail tokens: local parts of role and machine mailboxes (`noreply`; a trailing `*`
    /// matches any rest, `bounce*`). Such an address is not personal data: it is neither
    /// reported nor counted as failing the validator.
    #[serde(default)]
    pub skip_local_parts: Vec<String>,
    /// The value counts only with a label: one of the detector's `context` words is the
    /// nearest context word before it on the same line (not after it), or the column
    /// header / JSON key names the detector. Without one the candidate is not looked at
    /// (nor counted as failing the validator).
    #[serde(default)]
    pub context_required: bool,
    /// With `context_required` (digit tokens): an unlabelled value also counts where values
    /// of the same detector support it: another of them, found without this rule, on the same
    /// line, or a table column / JSON key whose window holds at least `NEIGHBOUR_SUPPORT` of
    /// them. A business word before it, or as its header, still keeps it quiet.
    #[serde(default)]
    pub neighbours: bool,
}

fn default_priority() -> u32 {
    100
}
fn default_context_boost() -> f32 {
    0.35
}
fn default_business_cap() -> f32 {
    0.3
}

/// The kinds of candidate the engine extracts before any detector runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A run of ASCII or full-width digits, optionally grouped by single spaces, hyphens or
    /// dots, optionally ending in a check `X`, not touching another digit or ASCII letter.
    Digits,
    /// Text around an `@`.
    Email,
    /// The regex itself is searched in the text (slow path, for user detectors).
    Regex,
    /// Chinese postal addresses (`address.rs`: gazetteer and household structure).
    Address,
    /// Person names (`name.rs`): the whole cell of a column headed as names, or a name
    /// after one of the detector's context words, before 收, or beside an ID, card or phone.
    PersonName,
    /// Online ids (`online_id.rs`): the whole cell of a column headed as nicknames.
    Nickname,
    /// A run of ASCII letters and digits holding at least one digit and one letter, or
    /// digits followed by a bracketed check character (`A123456(3)`, `1234567(8)`),
    /// upper-cased, not touching another ASCII letter or digit; CJK characters, spaces and
    /// punctuation end it. Identity documents with letters (passports, HK and Taiwan IDs).
    Alnum,
}

/// How much of a value stays visible.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, tag = "style", rename_all = "snake_case")]
pub enum MaskSpec {
    /// Keep the first `keep_start` and last `keep_end` characters.
    Ends { keep_start: usize, keep_end: usize },
    /// First character of the local part, then `***@domain`.
    Email,
    /// Province, city and district, then `****` (the detail hidden).
    Address,
    /// The surname, then a star per other character (`王*`, `欧阳**`; `Z*******`).
    Name,
}

/// `detectors/business_context.toml`: words that mark a number as a business identifier.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessContextSpec {
    pub words: Vec<String>,
}
