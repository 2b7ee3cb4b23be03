//! Cell values as Excel shows them: a phone stored as the number 13812345678 reads
//! "13812345678", and a number too long for Excel's 15 significant digits (an 18-digit ID typed
//! into a number cell) reads "1.10105E+17", as in Excel's General format, so that it is noticed
//! as damaged instead of mistaken for an ID.

use calamine::{DataType, ExcelDateTime};
use std::fmt::Write as _;

/// The text of a cell as Excel shows it, or `None` for empty and error cells.
pub(super) fn render<'v, T: DataType>(value: &'v T, buf: &'v mut String) -> Option<&'v str> {
    if let Some(s) = value.get_string() {
        return (!s.trim().is_empty()).then_some(s);
    }
    if let Some(s) = value.get_datetime_iso().or_else(|| value.get_duration_iso()) {
        return Some(s);
    }
    buf.clear();
    if let Some(i) = value.get_int() {
        let _ = write!(buf, "{i}");
    } else if let Some(f) = value.get_float() {
        push_number(f, buf);
    } else if let Some(b) = value.get_bool() {
        buf.push_str(if b { "TRUE" } else { "FALSE" });
    } else if let Some(d) = value.get_datetime() {
        push_datetime(&d, buf);
    } else {
        return None;
    }
    (!buf.is_empty()).then_some(buf.as_str())
}

/// A number as Excel's General format shows it: at most 15 significant digits (Excel keeps
/// no more), no trailing zeros; from 1e15 up, where integers have already lost digits, and
/// for tiny fractions, scientific notation with 6 significant digits (`1.10105E+17`).
pub(super) fn push_number(f: f64, buf: &mut String) {
    if !f.is_finite() {
        return;
    }
    if f == 0.0 {
        buf.push('0');
        return;
    }
    let abs = f.abs();
    if !(1e-9..1e15).contains(&abs) {
        push_scientific(f, buf);
        return;
    }
    // Round to 15 significant digits, then lay the digits out as a plain decimal.
    let sci = format!("{:.14e}", abs);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    if f < 0.0 {
        buf.push('-');
    }
    if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            buf.push_str(digits);
            buf.extend(std::iter::repeat_n('0', int_len - digits.len()));
        } else {
            buf.push_str(&digits[..int_len]);
            buf.push('.');
            buf.push_str(&digits[int_len..]);
        }
    } else {
        buf.push_str("0.");
        buf.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        buf.push_str(digits);
    }
}

/// `1.10105E+17`: 6 significant digits, trailing zeros dropped, a signed exponent of at
/// least two digits, as Excel's General format writes it.
fn push_scientific(f: f64, buf: &mut String) {
    let sci = format!("{:.5e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let _ = write!(buf, "{mantissa}E{sign}{:02}", exp.unsigned_abs());
}

/// Dates as `2024-01-31`, date-times as `2024-01-31 08:05:00`, times of day as `08:05:00`,
/// durations as total hours `36:00:00`.
fn push_datetime(d: &ExcelDateTime, buf: &mut String) {
    let value = d.as_f64();
    if d.is_duration() {
        let secs = (value * 86_400.0).round() as i64;
        let sign = if secs < 0 { "-" } else { "" };
        let secs = secs.unsigned_abs();
        let _ = write!(
            buf,
            "{sign}{}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        return;
    }
    let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
    let has_date = value >= 1.0;
    let has_time = value.fract() != 0.0;
    if has_date || !has_time {
        let _ = write!(buf, "{y:04}-{mo:02}-{da:02}");
    }
    if has_time {
        if has_date {
            buf.push(' ');
        }
        let _ = write!(buf, "{h:02}:{mi:02}:{s:02}");
        if ms != 0 {
            let _ = write!(buf, ".{ms:03}");
        }
    }
}
