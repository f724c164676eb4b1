//! `datetime` in the executor: dates, date-times and durations, their
//! arithmetic and comparisons, and their text (`strftime`, `strptime`,
//! `isoformat`). Users' scripts parse timestamps, bucket events by day and
//! measure sessions with them; a run that stopped on the first
//! `datetime` left every loop of such a script at its assumed count.
//!
//! A value is its kind and a count of microseconds: since 1970-01-01 for a
//! date or a date-time (naive: no time zones), or the duration itself.
//! The run has no clock: `now()` and `today()` give a fixed day, which
//! changes no count a run is for.

use super::exec::{raise, unsupported, Exec};
use super::value::*;
use super::Stop;
use prescient_syntax::ast::BinOp;
use std::cmp::Ordering;

const US_PER_SECOND: i64 = 1_000_000;
const US_PER_DAY: i64 = 86_400 * US_PER_SECOND;
/// What `now()` and `today()` return: 2024-01-01 12:00.
const FIXED_NOW: i64 = 19_723 * US_PER_DAY + 12 * 3_600 * US_PER_SECOND;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TmKind {
    Date,
    DateTime,
    Delta,
}

/// A `date`, `datetime` or `timedelta`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Tm {
    pub kind: TmKind,
    pub us: i64,
}

/// Days since 1970-01-01 of a day of the proleptic Gregorian calendar
/// (counted in 400-year eras of 146 097 days, the year starting in March
/// so that the leap day ends it).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The year, month and day of a count of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The broken-down fields of a date or date-time.
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micro: i64,
}

impl Tm {
    fn fields(self) -> Fields {
        let days = self.us.div_euclid(US_PER_DAY);
        let rest = self.us.rem_euclid(US_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let secs = rest / US_PER_SECOND;
        Fields {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            micro: rest % US_PER_SECOND,
        }
    }

    /// Monday 0, as `weekday()`: 1970-01-01 was a Thursday.
    fn weekday(self) -> i64 {
        (self.us.div_euclid(US_PER_DAY) + 3).rem_euclid(7)
    }

    /// `str()` of the value, as Python prints it.
    pub fn text(self) -> String {
        match self.kind {
            TmKind::Date => strftime(self, "%Y-%m-%d").unwrap_or_default(),
            TmKind::DateTime => {
                let f = self.fields();
                let base = strftime(self, "%Y-%m-%d %H:%M:%S").unwrap_or_default();
                match f.micro {
                    0 => base,
                    us => format!("{base}.{us:06}"),
                }
            }
            TmKind::Delta => {
                let days = self.us.div_euclid(US_PER_DAY);
                let rest = self.us.rem_euclid(US_PER_DAY);
                let secs = rest / US_PER_SECOND;
                let mut out = String::new();
                if days != 0 {
                    let s = if days.abs() == 1 { "" } else { "s" };
                    out.push_str(&format!("{days} day{s}, "));
                }
                out.push_str(&format!(
                    "{}:{:02}:{:02}",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                ));
                if rest % US_PER_SECOND != 0 {
                    out.push_str(&format!(".{:06}", rest % US_PER_SECOND));
                }
                out
            }
        }
    }
}

fn make(kind: TmKind, us: i64) -> CV {
    CV::Time(Tm { kind, us })
}

/// A date or date-time from its fields, checked as Python checks them.
fn from_fields(kind: TmKind, f: &Fields) -> Result<CV, Stop> {
    if !(1..=9999).contains(&f.year)
        || !(1..=12).contains(&f.month)
        || f.day < 1
        || f.day > days_in_month(f.year, f.month)
        || !(0..24).contains(&f.hour)
        || !(0..60).contains(&f.minute)
        || !(0..60).contains(&f.second)
        || !(0..US_PER_SECOND).contains(&f.micro)
    {
        return raise("ValueError");
    }
    let days = days_from_civil(f.year, f.month, f.day);
    let secs = f.hour * 3600 + f.minute * 60 + f.second;
    Ok(make(
        kind,
        days * US_PER_DAY + secs * US_PER_SECOND + f.micro,
    ))
}

/// An integer argument, 0 when not given.
fn int_of(v: Option<&CV>) -> Result<i64, Stop> {
    v.map_or(Some(0), int)
        .ok_or_else(|| Stop::Raised("TypeError".into()))
}

/// A number argument, 0 when not given.
fn num_of(v: Option<&CV>) -> Result<f64, Stop> {
    v.map_or(Some(0.0), num)
        .ok_or_else(|| Stop::Raised("TypeError".into()))
}

/// A count of microseconds from a float, as `timedelta` rounds it.
fn micros(x: f64) -> Result<i64, Stop> {
    let r = x.round();
    if !r.is_finite() || r.abs() > 9.0e18 {
        return raise("OverflowError");
    }
    Ok(r as i64)
}

/// `strftime` of the directives scripts use; another stops the run.
fn strftime(t: Tm, fmt: &str) -> Result<String, Stop> {
    let f = t.fields();
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", f.year)),
            Some('y') => out.push_str(&format!("{:02}", f.year % 100)),
            Some('m') => out.push_str(&format!("{:02}", f.month)),
            Some('d') => out.push_str(&format!("{:02}", f.day)),
            Some('H') => out.push_str(&format!("{:02}", f.hour)),
            Some('I') => out.push_str(&format!("{:02}", (f.hour + 11) % 12 + 1)),
            Some('p') => out.push_str(if f.hour < 12 { "AM" } else { "PM" }),
            Some('M') => out.push_str(&format!("{:02}", f.minute)),
            Some('S') => out.push_str(&format!("{:02}", f.second)),
            Some('f') => out.push_str(&format!("{:06}", f.micro)),
            Some('j') => {
                let doy =
                    days_from_civil(f.year, f.month, f.day) - days_from_civil(f.year, 1, 1) + 1;
                out.push_str(&format!("{doy:03}"));
            }
            Some('a') => out.push_str(&WEEKDAYS[t.weekday() as usize][..3]),
            Some('A') => out.push_str(WEEKDAYS[t.weekday() as usize]),
            Some('w') => out.push_str(&((t.weekday() + 1) % 7).to_string()),
            Some('b') => out.push_str(&MONTHS[f.month as usize - 1][..3]),
            Some('B') => out.push_str(MONTHS[f.month as usize - 1]),
            Some('%') => out.push('%'),
            Some(other) => return unsupported(format!("`strftime` directive `%{other}`")),
            None => out.push('%'),
        }
    }
    Ok(out)
}

/// `datetime.strptime(text, fmt)` for the directives `strftime` writes.
fn strptime(text: &str, fmt: &str) -> Result<CV, Stop> {
    let mut f = Fields {
        year: 1900,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        micro: 0,
    };
    let mut pm: Option<bool> = None;
    let s: Vec<char> = text.chars().collect();
    let mut i = 0;
    let digits = |i: &mut usize, max: usize| -> Result<(i64, usize), Stop> {
        let start = *i;
        while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return raise("ValueError");
        }
        let t: String = s[start..*i].iter().collect();
        Ok((t.parse().unwrap_or(0), *i - start))
    };
    let mut fmt_chars = fmt.chars();
    while let Some(c) = fmt_chars.next() {
        if c != '%' {
            if c.is_whitespace() {
                while i < s.len() && s[i].is_whitespace() {
                    i += 1;
                }
                continue;
            }
            if s.get(i) != Some(&c) {
                return raise("ValueError");
            }
            i += 1;
            continue;
        }
        match fmt_chars.next() {
            Some('Y') => f.year = digits(&mut i, 4)?.0,
            Some('y') => {
                let y = digits(&mut i, 2)?.0;
                f.year = if y < 69 { 2000 + y } else { 1900 + y };
            }
            Some('m') => f.month = digits(&mut i, 2)?.0,
            Some('d') => f.day = digits(&mut i, 2)?.0,
            Some('H') | Some('I') => f.hour = digits(&mut i, 2)?.0,
            Some('M') => f.minute = digits(&mut i, 2)?.0,
            Some('S') => f.second = digits(&mut i, 2)?.0,
            Some('f') => {
                let (v, n) = digits(&mut i, 6)?;
                f.micro = v * 10_i64.pow(6 - n as u32);
            }
            Some('p') => {
                let word: String = s[i..].iter().take(2).collect::<String>().to_uppercase();
                pm = Some(match word.as_str() {
                    "AM" => false,
                    "PM" => true,
                    _ => return raise("ValueError"),
                });
                i += 2;
            }
            Some(d @ ('b' | 'B')) => {
                let rest: String = s[i..].iter().collect::<String>().to_lowercase();
                let found = MONTHS.iter().enumerate().find_map(|(k, name)| {
                    let name = name.to_lowercase();
                    let want = if d == 'b' { &name[..3] } else { &name[..] };
                    rest.starts_with(want).then_some((k, want.len()))
                });
                let Some((k, n)) = found else {
                    return raise("ValueError");
                };
                f.month = k as i64 + 1;
                i += n;
            }
            Some('%') => {
                if s.get(i) != Some(&'%') {
                    return raise("ValueError");
                }
                i += 1;
            }
            Some(other) => return unsupported(format!("`strptime` directive `%{other}`")),
            None => return raise("ValueError"),
        }
    }
    if i != s.len() {
        return raise("ValueError");
    }
    match pm {
        Some(true) if f.hour < 12 => f.hour += 12,
        Some(false) if f.hour == 12 => f.hour = 0,
        _ => {}
    }
    from_fields(TmKind::DateTime, &f)
}

/// `fromisoformat`: `YYYY-MM-DD`, then for a date-time `[T ]HH:MM[:SS[.f]]`.
fn from_iso(text: &str, kind: TmKind) -> Result<CV, Stop> {
    let (date, time) = match text.get(10..11) {
        Some("T") | Some(" ") => (&text[..10], Some(&text[11..])),
        _ => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return raise("ValueError");
    };
    let num = |t: &str| {
        t.parse::<i64>()
            .map_err(|_| Stop::Raised("ValueError".into()))
    };
    let mut f = Fields {
        year: num(y)?,
        month: num(m)?,
        day: num(d)?,
        hour: 0,
        minute: 0,
        second: 0,
        micro: 0,
    };
    if let Some(t) = time {
        if kind == TmKind::Date {
            return raise("ValueError");
        }
        let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
        let hms: Vec<&str> = hms.split(':').collect();
        f.hour = num(hms.first().copied().unwrap_or(""))?;
        f.minute = num(hms.get(1).copied().unwrap_or("0"))?;
        f.second = num(hms.get(2).copied().unwrap_or("0"))?;
        if !frac.is_empty() {
            // Six digits at most, cut by character: the text is the
            // program's, and may not be ASCII.
            let digits: String = frac.chars().take(6).collect();
            f.micro = num(&digits)? * 10_i64.pow(6 - digits.chars().count() as u32);
        }
    }
    from_fields(kind, &f)
}

impl Exec<'_> {
    /// A call of `datetime.<f>`, or None when it is not one this models.
    pub(super) fn datetime_call(
        &mut self,
        f: &str,
        pos: &[CV],
        kw: &[(String, CV)],
    ) -> Result<Option<CV>, Stop> {
        let arg = |i: usize, name: &str| {
            pos.get(i)
                .or_else(|| kw.iter().find(|(k, _)| k == name).map(|(_, v)| v))
        };
        Ok(Some(match f {
            "date" | "datetime" => {
                let kind = if f == "date" {
                    TmKind::Date
                } else {
                    TmKind::DateTime
                };
                let fields = Fields {
                    year: int_of(arg(0, "year"))?,
                    month: int_of(arg(1, "month"))?,
                    day: int_of(arg(2, "day"))?,
                    hour: if f == "date" {
                        0
                    } else {
                        int_of(arg(3, "hour"))?
                    },
                    minute: if f == "date" {
                        0
                    } else {
                        int_of(arg(4, "minute"))?
                    },
                    second: if f == "date" {
                        0
                    } else {
                        int_of(arg(5, "second"))?
                    },
                    micro: if f == "date" {
                        0
                    } else {
                        int_of(arg(6, "microsecond"))?
                    },
                };
                from_fields(kind, &fields)?
            }
            "timedelta" => {
                let parts = [
                    ("days", 0, 86_400.0e6),
                    ("seconds", 1, 1.0e6),
                    ("microseconds", 2, 1.0),
                    ("milliseconds", 3, 1.0e3),
                    ("minutes", 4, 60.0e6),
                    ("hours", 5, 3_600.0e6),
                    ("weeks", 6, 604_800.0e6),
                ];
                let mut total = 0.0;
                for (name, i, scale) in parts {
                    total += num_of(arg(i, name))? * scale;
                }
                make(TmKind::Delta, micros(total)?)
            }
            "datetime.now" | "datetime.today" | "datetime.utcnow" => {
                make(TmKind::DateTime, FIXED_NOW)
            }
            "date.today" => make(TmKind::Date, FIXED_NOW - FIXED_NOW % US_PER_DAY),
            "datetime.strptime" => {
                let (Some(CV::Str(t)), Some(CV::Str(fmt))) = (pos.first(), pos.get(1)) else {
                    return raise("TypeError");
                };
                self.step(t.len() as u64 / 4 + 1)?;
                strptime(t, fmt)?
            }
            "datetime.fromisoformat" | "date.fromisoformat" => {
                let Some(CV::Str(t)) = pos.first() else {
                    return raise("TypeError");
                };
                let kind = if f.starts_with("date.") {
                    TmKind::Date
                } else {
                    TmKind::DateTime
                };
                from_iso(t, kind)?
            }
            "datetime.combine" => match (pos.first(), pos.get(1)) {
                (Some(CV::Time(d)), _) => {
                    make(TmKind::DateTime, d.us - d.us.rem_euclid(US_PER_DAY))
                }
                _ => return raise("TypeError"),
            },
            "date.fromordinal" | "datetime.fromordinal" => {
                let n = int_of(pos.first())?;
                let kind = if f.starts_with("date.") {
                    TmKind::Date
                } else {
                    TmKind::DateTime
                };
                make(kind, (n - 719_163) * US_PER_DAY)
            }
            _ => return Ok(None),
        }))
    }

    /// An attribute of a date, date-time or duration read as data; None
    /// for a method.
    pub(super) fn time_attribute(&mut self, t: Tm, attr: &str) -> Option<CV> {
        if t.kind == TmKind::Delta {
            let days = t.us.div_euclid(US_PER_DAY);
            let rest = t.us.rem_euclid(US_PER_DAY);
            return Some(CV::Int(match attr {
                "days" => days,
                "seconds" => rest / US_PER_SECOND,
                "microseconds" => rest % US_PER_SECOND,
                _ => return None,
            }));
        }
        let f = t.fields();
        Some(CV::Int(match attr {
            "year" => f.year,
            "month" => f.month,
            "day" => f.day,
            "hour" if t.kind == TmKind::DateTime => f.hour,
            "minute" if t.kind == TmKind::DateTime => f.minute,
            "second" if t.kind == TmKind::DateTime => f.second,
            "microsecond" if t.kind == TmKind::DateTime => f.micro,
            _ => return None,
        }))
    }

    /// A method of a date, date-time or duration.
    pub(super) fn time_method(
        &mut self,
        t: Tm,
        m: &str,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        Ok(match (t.kind, m) {
            (TmKind::Delta, "total_seconds") => CV::Float(t.us as f64 / 1.0e6),
            (TmKind::Delta, _) => return unsupported(format!("`timedelta.{m}`")),
            (_, "strftime") => {
                let Some(CV::Str(fmt)) = pos.first() else {
                    return raise("TypeError");
                };
                CV::str(&strftime(t, fmt)?)
            }
            (_, "isoformat") => {
                let sep = match pos
                    .first()
                    .or_else(|| kw.iter().find(|(k, _)| k == "sep").map(|(_, v)| v))
                {
                    Some(CV::Str(s)) => s.to_string(),
                    _ => "T".to_string(),
                };
                CV::str(&t.text().replacen(' ', &sep, 1))
            }
            (_, "weekday") => CV::Int(t.weekday()),
            (_, "isoweekday") => CV::Int(t.weekday() + 1),
            (_, "toordinal") => CV::Int(t.us.div_euclid(US_PER_DAY) + 719_163),
            (_, "timestamp") => CV::Float(t.us as f64 / 1.0e6),
            (_, "date") => make(TmKind::Date, t.us - t.us.rem_euclid(US_PER_DAY)),
            (_, "replace") => {
                let mut f = t.fields();
                for (k, v) in &kw {
                    let v = int_of(Some(v))?;
                    match k.as_str() {
                        "year" => f.year = v,
                        "month" => f.month = v,
                        "day" => f.day = v,
                        "hour" => f.hour = v,
                        "minute" => f.minute = v,
                        "second" => f.second = v,
                        "microsecond" => f.micro = v,
                        _ => return raise("TypeError"),
                    }
                }
                from_fields(t.kind, &f)?
            }
            _ => return unsupported(format!("`datetime.{m}`")),
        })
    }

    /// An operator with a date, date-time or duration on one side.
    pub(super) fn time_binop(&mut self, op: BinOp, l: &CV, r: &CV) -> Result<CV, Stop> {
        use TmKind::*;
        let checked = |v: Option<i64>| v.ok_or_else(|| Stop::Raised("OverflowError".into()));
        Ok(match (l, op, r) {
            (CV::Time(a), BinOp::Add, CV::Time(b)) if b.kind == Delta => {
                make(a.kind, checked(a.us.checked_add(b.us))?)
            }
            (CV::Time(a), BinOp::Add, CV::Time(b)) if a.kind == Delta => {
                make(b.kind, checked(a.us.checked_add(b.us))?)
            }
            (CV::Time(a), BinOp::Sub, CV::Time(b)) if b.kind == Delta => {
                make(a.kind, checked(a.us.checked_sub(b.us))?)
            }
            (CV::Time(a), BinOp::Sub, CV::Time(b)) if a.kind == b.kind => {
                make(Delta, checked(a.us.checked_sub(b.us))?)
            }
            (CV::Time(a), BinOp::Div, CV::Time(b)) if a.kind == Delta && b.kind == Delta => {
                if b.us == 0 {
                    return raise("ZeroDivisionError");
                }
                CV::Float(a.us as f64 / b.us as f64)
            }
            (CV::Time(a), BinOp::FloorDiv, CV::Time(b)) if a.kind == Delta && b.kind == Delta => {
                if b.us == 0 {
                    return raise("ZeroDivisionError");
                }
                CV::Int(a.us.div_euclid(b.us))
            }
            (CV::Time(a), BinOp::Mul | BinOp::Div | BinOp::FloorDiv, k) if a.kind == Delta => {
                let k = num_of(Some(k))?;
                let v = match op {
                    BinOp::Mul => a.us as f64 * k,
                    _ if k == 0.0 => return raise("ZeroDivisionError"),
                    BinOp::FloorDiv => (a.us as f64 / k).floor(),
                    _ => a.us as f64 / k,
                };
                make(Delta, micros(v)?)
            }
            (k, BinOp::Mul, CV::Time(a)) if a.kind == Delta => {
                make(Delta, micros(a.us as f64 * num_of(Some(k))?)?)
            }
            _ => return raise("TypeError"),
        })
    }
}

/// Two dates, date-times or durations of one kind in order.
pub(super) fn time_order(a: Tm, b: Tm) -> Result<Ordering, Stop> {
    if a.kind != b.kind {
        return raise("TypeError");
    }
    Ok(a.us.cmp(&b.us))
}

/// The kinds' names, for `type()` and messages.
pub(super) fn time_type(t: Tm) -> &'static str {
    match t.kind {
        TmKind::Date => "date",
        TmKind::DateTime => "datetime",
        TmKind::Delta => "timedelta",
    }
}

/// `format(t, spec)`: a date's spec is a `strftime` format.
pub(super) fn time_format(t: Tm, spec: &str) -> String {
    if spec.is_empty() {
        return t.text();
    }
    strftime(t, spec).unwrap_or_else(|_| t.text())
}

pub(super) fn time_key(t: Tm) -> Key {
    Key::Tuple(vec![Key::Int(t.kind as i64), Key::Int(t.us)])
}
