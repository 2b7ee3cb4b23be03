//! Dates inside files: the newest order, payment or creation time tells how old a file's
//! data really is (a 2019 export re-saved last week is still 2019 data).
//!
//! Only whole cells are parsed (`2024-03-01`, `2024/3/1 10:00`, `2024年3月1日`, ISO 8601 with
//! a time, and `20240301` in a column whose header says it is a date). Columns of birth
//! dates and expiry dates are left out: they say nothing about when the data was collected.

/// A column's role for dating the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateColumn {
    /// A header naming an event time (下单时间, created_at, date).
    Event,
    /// No date header: cells are still read when they look like full dates.
    Unnamed,
    /// Birth dates, expiry dates, validity periods: never used.
    Ignored,
}

const IGNORED_HEADER_WORDS: [&str; 9] = [
    "出生", "生日", "birth", "dob", "有效", "expir", "valid", "到期", "截止",
];
const EVENT_HEADER_WORDS: [&str; 11] = [
    "时间", "日期", "date", "time", "created", "updated", "_at", "下单", "付款", "支付", "发货",
];

impl DateColumn {
    pub fn of_header(header: &str) -> DateColumn {
        let lower = header.to_ascii_lowercase();
        if IGNORED_HEADER_WORDS.iter().any(|w| lower.contains(w)) {
            DateColumn::Ignored
        } else if EVENT_HEADER_WORDS.iter().any(|w| lower.contains(w)) {
            DateColumn::Event
        } else {
            DateColumn::Unnamed
        }
    }
}

/// Days since 1970-01-01 of the date a cell holds, if it holds one (and nothing else but a
/// time of day).
pub fn parse_cell(cell: &str, role: DateColumn) -> Option<i64> {
    // Cheap rejection first, before trimming: most cells are not dates.
    let raw = cell.as_bytes();
    let first = raw.iter().position(|b| !b.is_ascii_whitespace());
    if role == DateColumn::Ignored || raw.len() < 8 || first.is_none_or(|i| !matches!(raw[i], b'1' | b'2')) {
        return None;
    }
    let t = cell.trim().as_bytes();
    if t.len() < 8 || t.len() > 35 {
        return None;
    }
    let (year, rest) = take_digits(t, 4)?;
    let (month, day, rest) = match rest.first() {
        Some(b'-' | b'/' | b'.') => {
            let sep = rest[0];
            let (m, rest) = take_up_to_2(&rest[1..])?;
            if rest.first() != Some(&sep) {
                return None;
            }
            let (d, rest) = take_up_to_2(&rest[1..])?;
            (m, d, rest)
        }
        Some(_) if rest.starts_with("年".as_bytes()) => {
            let (m, rest) = take_up_to_2(&rest[3..])?;
            let rest = rest.strip_prefix("月".as_bytes())?;
            let (d, rest) = take_up_to_2(rest)?;
            (m, d, rest.strip_prefix("日".as_bytes()).unwrap_or(rest))
        }
        Some(b'0'..=b'9') if role == DateColumn::Event && t.len() == 8 => {
            let (m, rest) = take_digits(rest, 2)?;
            let (d, rest) = take_digits(rest, 2)?;
            (m, d, rest)
        }
        _ => return None,
    };
    if !rest.is_empty() && !is_time_suffix(rest) {
        return None;
    }
    // A bare date under an unknown header may be a birth date; a date with a time is an event.
    if rest.is_empty() && role == DateColumn::Unnamed {
        return None;
    }
    days_from_civil(year as i64, month, day)
}

fn take_digits(t: &[u8], n: usize) -> Option<(u32, &[u8])> {
    if t.len() < n || !t[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = t[..n].iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
    Some((v, &t[n..]))
}

fn take_up_to_2(t: &[u8]) -> Option<(u32, &[u8])> {
    let n = t.iter().take(2).take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    take_digits(t, n)
}

/// ` 10:00`, ` 9:05` (Excel), `T10:00:00Z`, `T10:00:00.123+08:00`, ` 10:00:00.0`.
fn is_time_suffix(rest: &[u8]) -> bool {
    matches!(rest[0], b' ' | b'T')
        && rest.len() >= 5
        && rest[1..]
            .iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b'+' | b'-' | b'Z'))
        && rest[1].is_ascii_digit()
        && (rest[2] == b':' || (rest[2].is_ascii_digit() && rest.get(3) == Some(&b':')))
}

/// Days since the Unix epoch of a proleptic Gregorian date (H. Hinnant's algorithm); None for
/// an impossible date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day == 0 || day > month_days[month as usize - 1] {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// `YYYY-MM-DD` of days since the Unix epoch.
pub fn format_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since the Unix epoch of a point in time.
pub fn days_of(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => (d.as_secs() / 86_400) as i64,
        Err(e) => -((e.duration().as_secs() / 86_400) as i64) - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Option<String> {
        parse_cell(s, DateColumn::Event).map(format_days)
    }

    #[test]
    fn dates_in_the_usual_spellings() {
        for (cell, want) in [
            ("2024-03-01", "2024-03-01"),
            ("2024/3/1 10:00", "2024-03-01"),
            ("2024/3/1 9:05", "2024-03-01"),
            ("2024-03-01 08:05:00", "2024-03-01"),
            ("2024-03-01T08:05:00+08:00", "2024-03-01"),
            ("2024.12.31", "2024-12-31"),
            ("2024年3月1日", "2024-03-01"),
            ("2024年03月01日 12:00:00", "2024-03-01"),
            ("20240229", "2024-02-29"),
            (" 2019-07-15 ", "2019-07-15"),
        ] {
            assert_eq!(day(cell).as_deref(), Some(want), "{cell}");
        }
    }

    #[test]
    fn not_dates() {
        for cell in [
            "13812345678",
            "2024-13-01",
            "2023-02-29",
            "2024-03-01 and more",
            "2024-03",
            "11010519491231002X",
            "2024/03-01",
            "20240301 订单",
        ] {
            assert_eq!(day(cell), None, "{cell}");
        }
        assert_eq!(
            parse_cell("20240301", DateColumn::Unnamed),
            None,
            "compact only under a date header"
        );
        assert_eq!(
            parse_cell("2024-03-01", DateColumn::Unnamed),
            None,
            "may be a birth date"
        );
        assert!(parse_cell("2024-03-01 10:00:00", DateColumn::Unnamed).is_some());
        assert_eq!(parse_cell("2024-03-01", DateColumn::Ignored), None);
    }

    #[test]
    fn header_roles() {
        assert_eq!(DateColumn::of_header("下单时间"), DateColumn::Event);
        assert_eq!(DateColumn::of_header("created_at"), DateColumn::Event);
        assert_eq!(DateColumn::of_header("出生日期"), DateColumn::Ignored);
        assert_eq!(DateColumn::of_header("证件有效期"), DateColumn::Ignored);
        assert_eq!(DateColumn::of_header("Birth Date"), DateColumn::Ignored);
        assert_eq!(DateColumn::of_header("手机号"), DateColumn::Unnamed);
    }

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        for d in [-1000, 0, 10_957, 19_782, 20_000, 40_000] {
            let s = format_days(d);
            let (y, m, dd) = (
                s[..4].parse().unwrap(),
                s[5..7].parse().unwrap(),
                s[8..].parse().unwrap(),
            );
            assert_eq!(days_from_civil(y, m, dd), Some(d), "{s}");
        }
    }
}
