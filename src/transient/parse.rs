//! The value syntaxes of unit files, parsed as systemd parses them
//! (`parse_sec`, `parse_size`, `parse_permyriad`, `extract_first_word`,
//! `cunescape`…), so that a value means to [`UnitProperty::parse`] what it
//! means to `systemd-run -p`.
//!
//! Every parser returns `None` for input it refuses; the caller turns that
//! into a [`PropertyError::BadValue`] naming the expected form.
//!
//! [`UnitProperty::parse`]: super::UnitProperty::parse
//! [`PropertyError::BadValue`]: super::PropertyError::BadValue

/// Whitespace as systemd's `WHITESPACE`.
pub(crate) const WHITESPACE: &str = " \t\n\r";

/// `u64::MAX`: systemd's `USEC_INFINITY`, `NSEC_INFINITY`,
/// `CGROUP_LIMIT_MAX`, `RLIM_INFINITY` and "unset weight".
pub(crate) const INFINITY: u64 = u64::MAX;

const USEC_PER_SEC: u64 = 1_000_000;
const NSEC_PER_USEC: u64 = 1_000;

/// `parse_boolean`: `1`, `yes`, `y`, `true`, `t`, `on` and their negations,
/// case-insensitively.
pub(crate) fn boolean(s: &str) -> Option<bool> {
    const TRUE: [&str; 6] = ["1", "yes", "y", "true", "t", "on"];
    const FALSE: [&str; 6] = ["0", "no", "n", "false", "f", "off"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Some(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(s)) {
        Some(false)
    } else {
        None
    }
}

/// The digits and radix of an unsigned number as C's `strtoull` with base 0
/// reads it, plus systemd's `0b` and `0o` prefixes.
fn radix_and_digits(s: &str) -> (u32, &str) {
    let lower = |p: &str| s.get(..2).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if lower("0x") {
        (16, &s[2..])
    } else if lower("0b") {
        (2, &s[2..])
    } else if lower("0o") {
        (8, &s[2..])
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    }
}

/// `safe_atou64`: an unsigned number after optional whitespace and `+`, in
/// decimal, or with a `0x`, `0o`, `0b` or C octal `0` prefix.
pub(crate) fn unsigned(s: &str) -> Option<u64> {
    let s = s.trim_start_matches(|c| WHITESPACE.contains(c));
    let s = s.strip_prefix('+').unwrap_or(s);
    let (radix, digits) = radix_and_digits(s);
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `safe_atoi64`: as [`unsigned`], with an optional `-`.
pub(crate) fn signed(s: &str) -> Option<i64> {
    let s = s.trim_start_matches(|c| WHITESPACE.contains(c));
    match s.strip_prefix('-') {
        Some(rest) if !rest.starts_with(['+', '-']) => {
            let magnitude = unsigned(rest)?;
            0i64.checked_sub_unsigned(magnitude)
        }
        Some(_) => None,
        None => i64::try_from(unsigned(s)?).ok(),
    }
}

/// `parse_mode`: an octal file mode up to `07777`.
pub(crate) fn mode(s: &str) -> Option<u32> {
    let s = s.trim_start_matches(|c| WHITESPACE.contains(c));
    if s.is_empty() || !s.chars().all(|c| c.is_digit(8)) {
        return None;
    }
    u32::from_str_radix(s, 8).ok().filter(|m| *m <= 0o7777)
}

/// The multipliers of `parse_time`, in systemd's matching order: the first
/// suffix that starts the rest of the input wins.
const TIME_UNITS: &[(&str, u64)] = &[
    ("seconds", 1_000_000_000),
    ("second", 1_000_000_000),
    ("sec", 1_000_000_000),
    ("s", 1_000_000_000),
    ("minutes", 60_000_000_000),
    ("minute", 60_000_000_000),
    ("min", 60_000_000_000),
    ("months", 2_629_800_000_000_000),
    ("month", 2_629_800_000_000_000),
    ("M", 2_629_800_000_000_000),
    ("msec", 1_000_000),
    ("ms", 1_000_000),
    ("m", 60_000_000_000),
    ("hours", 3_600_000_000_000),
    ("hour", 3_600_000_000_000),
    ("hr", 3_600_000_000_000),
    ("h", 3_600_000_000_000),
    ("days", 86_400_000_000_000),
    ("day", 86_400_000_000_000),
    ("d", 86_400_000_000_000),
    ("weeks", 604_800_000_000_000),
    ("week", 604_800_000_000_000),
    ("w", 604_800_000_000_000),
    ("years", 31_557_600_000_000_000),
    ("year", 31_557_600_000_000_000),
    ("y", 31_557_600_000_000_000),
    ("usec", 1_000),
    ("us", 1_000),
    ("\u{3bc}s", 1_000),
    ("\u{b5}s", 1_000),
    ("nsec", 1),
    ("ns", 1),
];

/// `parse_time`: `infinity`, or a sum of numbers (decimals allowed) each
/// followed by an optional unit, such as `1h 30min` or `1.5s`. The result
/// counts `finest_unit` nanoseconds (1000 for microseconds); a number
/// without a unit counts `default_unit` nanoseconds. Units finer than
/// `finest_unit` are refused, as systemd's tables lack them.
fn time(s: &str, default_unit: u64, finest_unit: u64) -> Option<u64> {
    let mut p = s.trim_start_matches(|c| WHITESPACE.contains(c));
    if let Some(rest) = p.strip_prefix("infinity") {
        return rest
            .trim_start_matches(|c| WHITESPACE.contains(c))
            .is_empty()
            .then_some(INFINITY);
    }
    let mut total: u64 = 0;
    let mut something = false;
    loop {
        p = p.trim_start_matches(|c| WHITESPACE.contains(c));
        if p.is_empty() {
            return something.then_some(total);
        }
        let int_len = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
        let (int_part, rest) = p.split_at(int_len);
        let (frac_part, rest) = match rest.strip_prefix('.') {
            Some(after) => {
                let frac_len = after
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(after.len());
                let (frac, rest) = after.split_at(frac_len);
                if frac.is_empty() {
                    // systemd refuses "6.s" and "6.0.m" alike.
                    return None;
                }
                (frac, rest)
            }
            None if int_part.is_empty() => return None,
            None => ("", rest),
        };
        let after_space = rest.trim_start_matches(|c| WHITESPACE.contains(c));
        let (unit_ns, rest) = match TIME_UNITS
            .iter()
            .find(|(suffix, _)| after_space.starts_with(suffix))
        {
            Some((suffix, ns)) if *ns >= finest_unit => (*ns, &after_space[suffix.len()..]),
            Some(_) => return None,
            None if rest.is_empty() || rest.starts_with(|c| WHITESPACE.contains(c)) => {
                (default_unit, rest)
            }
            None => return None,
        };
        let multiplier = unit_ns / finest_unit;
        let whole: u64 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        total = total.checked_add(whole.checked_mul(multiplier)?)?;
        let mut scale = multiplier / 10;
        for digit in frac_part.bytes() {
            total = total.checked_add(u64::from(digit - b'0') * scale)?;
            scale /= 10;
        }
        if total == INFINITY {
            return None;
        }
        something = true;
        p = rest;
    }
}

/// `parse_sec`: a time span in microseconds; seconds without a unit.
pub(crate) fn sec(s: &str) -> Option<u64> {
    time_in_usec(s, 1_000_000_000)
}

/// `parse_time(s, 1)`: a time span in microseconds; microseconds without a
/// unit (`LimitRTTIME=`).
pub(crate) fn usec(s: &str) -> Option<u64> {
    time_in_usec(s, 1_000)
}

fn time_in_usec(s: &str, default_unit: u64) -> Option<u64> {
    time(s, default_unit, NSEC_PER_USEC)
}

/// `parse_nsec`: a time span in nanoseconds; nanoseconds without a unit.
pub(crate) fn nsec(s: &str) -> Option<u64> {
    time(s, 1, 1)
}

/// Whole seconds, rounded up, of a time span (`LimitCPU=`).
pub(crate) fn sec_rounded_up(s: &str) -> Option<u64> {
    match sec(s)? {
        INFINITY => Some(INFINITY),
        us => Some(us.div_ceil(USEC_PER_SEC)),
    }
}

/// `parse_size`: bytes, as a sum of numbers (decimals allowed) each with an
/// optional suffix `K`, `M`, `G`, `T`, `P`, `E` (powers of `base`) or `B`,
/// in decreasing order: `1G`, `1.5M`, `1G 512M`.
pub(crate) fn size(s: &str, base: u64) -> Option<u64> {
    const SUFFIXES: [&str; 8] = ["E", "P", "T", "G", "M", "K", "B", ""];
    let factor = |i: usize| -> u64 {
        match i {
            0..=5 => base.pow(6 - i as u32),
            _ => 1,
        }
    };
    let mut p = s.trim_start_matches(|c| WHITESPACE.contains(c));
    let mut total: u64 = 0;
    let mut start = 0;
    loop {
        p = p.trim_start_matches(|c| WHITESPACE.contains(c));
        let digits = p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len());
        if digits == 0 {
            return None;
        }
        let whole: u64 = p[..digits].parse().ok()?;
        let mut rest = &p[digits..];
        let mut frac = 0.0;
        if let Some(after) = rest.strip_prefix('.') {
            let len = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            let mut scale = 0.1;
            for digit in after[..len].bytes() {
                frac += f64::from(digit - b'0') * scale;
                scale /= 10.0;
            }
            rest = &after[len..];
        }
        rest = rest.trim_start_matches(|c| WHITESPACE.contains(c));
        let i = (start..SUFFIXES.len()).find(|&i| rest.starts_with(SUFFIXES[i]))?;
        let f = factor(i);
        // Truncation is the intended rounding, as in systemd.
        let frac_bytes = (frac * f as f64) as u64;
        total = total.checked_add(whole.checked_mul(f)?.checked_add(frac_bytes)?)?;
        p = &rest[SUFFIXES[i].len()..];
        start = i + 1;
        if p.is_empty() {
            return Some(total);
        }
    }
}

/// `safe_atoi` on the part of `s` before `symbol`: a non-negative `i32`.
fn whole_before(s: &str, symbol: &str) -> Option<u32> {
    let n = s.strip_suffix(symbol)?;
    let v = signed(n)?;
    u32::try_from(v).ok().filter(|v| i32::try_from(*v).is_ok())
}

/// `parse_permyriad_unbounded`: `N%` (up to two decimals), `N‰` (up to one)
/// or `N‱`, in ten-thousandths.
pub(crate) fn permyriad_unbounded(s: &str) -> Option<u32> {
    if s.ends_with('\u{2031}') {
        return whole_before(s, "\u{2031}");
    }
    let (symbol, places) = if s.ends_with('\u{2030}') {
        ("\u{2030}", 1)
    } else {
        ("%", 2)
    };
    let body = s.strip_suffix(symbol)?;
    let (int_part, frac) = match body.split_once('.') {
        Some((int_part, frac)) => {
            if frac.is_empty() || frac.len() > places || !frac.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let mut q: u32 = frac.parse().ok()?;
            for _ in frac.len()..places {
                q *= 10;
            }
            (int_part, q)
        }
        None => (body, 0),
    };
    let v = u32::try_from(signed(int_part)?).ok()?;
    let scaled = v.checked_mul(10u32.pow(places as u32))?.checked_add(frac)?;
    i32::try_from(scaled).ok()?;
    Some(scaled)
}

/// `parse_permyriad`: as [`permyriad_unbounded`], at most 100%.
pub(crate) fn permyriad(s: &str) -> Option<u32> {
    permyriad_unbounded(s).filter(|v| *v <= 10_000)
}

/// `UINT32_SCALE_FROM_PERMYRIAD`: 100% is `u32::MAX`, rounded to closest.
pub(crate) fn scale_from_permyriad(p: u32) -> u32 {
    let p = u64::from(p.min(10_000));
    // At most u32::MAX by construction.
    ((p * u64::from(u32::MAX) + 5_000) / 10_000) as u32
}

/// One C escape sequence after a backslash (`cunescape_one`): the bytes it
/// stands for and how many bytes of `s` it used. `\0`-like sequences are
/// refused unless `accept_nul`.
fn cunescape_one(s: &str, accept_nul: bool) -> Option<(Vec<u8>, usize)> {
    let b = s.as_bytes();
    let simple = |c: u8| Some((vec![c], 1));
    let hex = |n: usize| -> Option<u32> {
        let digits = s.get(1..=n)?;
        digits
            .chars()
            .all(|c| c.is_ascii_hexdigit())
            .then(|| u32::from_str_radix(digits, 16).ok())?
    };
    let nul_ok = |v: u32| v != 0 || accept_nul;
    match *b.first()? {
        b'a' => simple(0x07),
        b'b' => simple(0x08),
        b'f' => simple(0x0c),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(0x0b),
        b's' => simple(b' '),
        c @ (b'\\' | b'"' | b'\'') => simple(c),
        b'x' => {
            let v = hex(2).filter(|v| nul_ok(*v))?;
            Some((vec![v as u8], 3))
        }
        c @ (b'u' | b'U') => {
            let n = if c == b'u' { 4 } else { 8 };
            let v = hex(n).filter(|v| nul_ok(*v))?;
            let ch = char::from_u32(v)?;
            Some((ch.to_string().into_bytes(), n + 1))
        }
        b'0'..=b'7' => {
            let digits = s.get(..3)?;
            if !digits.bytes().all(|d| (b'0'..=b'7').contains(&d)) {
                return None;
            }
            let v = u32::from_str_radix(digits, 8).ok()?;
            if v > 255 || !nul_ok(v) {
                return None;
            }
            Some((vec![v as u8], 3))
        }
        _ => None,
    }
}

/// `cunescape`: the bytes `s` stands for with its C escapes resolved.
pub(crate) fn cunescape(s: &str, accept_nul: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..pos]);
        let (bytes, used) = cunescape_one(&rest[pos + 1..], accept_nul)?;
        out.extend_from_slice(&bytes);
        rest = &rest[pos + 1 + used..];
    }
    out.extend_from_slice(rest.as_bytes());
    Some(out)
}

/// How [`Words::next`] treats quotes, escapes and separators, as systemd's
/// `ExtractFlags`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Extract {
    /// Remove `'` and `"` quoting (`EXTRACT_UNQUOTE`).
    pub unquote: bool,
    /// Resolve C escapes (`EXTRACT_CUNESCAPE`).
    pub cunescape: bool,
    /// Every separator ends a word, so empty words exist
    /// (`EXTRACT_DONT_COALESCE_SEPARATORS`).
    pub dont_coalesce: bool,
    /// Keep backslashes as they are (`EXTRACT_RETAIN_ESCAPE`).
    pub retain_escape: bool,
    /// A backslash before a separator or a backslash stands for it
    /// (`EXTRACT_UNESCAPE_SEPARATORS`).
    pub unescape_separators: bool,
}

impl Extract {
    /// Quotes removed, backslashes escaping the next character.
    pub const UNQUOTE: Extract = Extract {
        unquote: true,
        cunescape: false,
        dont_coalesce: false,
        retain_escape: false,
        unescape_separators: false,
    };
    /// Quotes removed and C escapes resolved.
    pub const UNQUOTE_CUNESCAPE: Extract = Extract {
        cunescape: true,
        ..Extract::UNQUOTE
    };
    /// Nothing removed; every separator ends a word.
    pub const SPLIT: Extract = Extract {
        unquote: false,
        cunescape: false,
        dont_coalesce: true,
        retain_escape: false,
        unescape_separators: false,
    };
}

/// A cursor over words of a value, as systemd's `extract_first_word` walks
/// its input.
pub(crate) struct Words<'a> {
    rest: Option<&'a str>,
    /// The separator that ended the last word, if one did.
    ended_by: Option<char>,
}

impl<'a> Words<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Words {
            rest: Some(s),
            ended_by: None,
        }
    }

    /// What is left after the last word (`None` once the input is used up).
    pub(crate) fn rest(&self) -> Option<&'a str> {
        self.rest
    }

    /// Whether the last word ended at `sep` with input left after it.
    pub(crate) fn ended_by(&self, sep: char) -> bool {
        self.rest.is_some() && self.ended_by == Some(sep)
    }

    /// The next word, `Ok(None)` at the end, `Err(())` for bad quoting or
    /// escapes. Words are bytes, since escapes may stand for any byte.
    pub(crate) fn next_bytes(
        &mut self,
        separators: &str,
        flags: Extract,
    ) -> Result<Option<Vec<u8>>, ()> {
        let is_sep = |c: char| separators.contains(c);
        self.ended_by = None;
        let Some(mut p) = self.rest else {
            return Ok(None);
        };
        // Leading separators.
        loop {
            let Some(c) = p.chars().next() else {
                self.rest = None;
                return Ok(None);
            };
            if !is_sep(c) {
                break;
            }
            p = &p[c.len_utf8()..];
            if flags.dont_coalesce {
                self.rest = Some(p);
                self.ended_by = Some(c);
                return Ok(Some(Vec::new()));
            }
        }
        let mut word = Vec::new();
        let mut quote: Option<char> = None;
        let mut i = 0;
        while let Some(c) = p[i..].chars().next() {
            let after = &p[i + c.len_utf8()..];
            i += c.len_utf8();
            if c == '\\' && !flags.retain_escape {
                let Some(next) = after.chars().next() else {
                    return Err(());
                };
                if flags.cunescape {
                    if let Some((bytes, used)) = cunescape_one(after, false) {
                        word.extend_from_slice(&bytes);
                        i += used;
                        continue;
                    }
                }
                if (flags.cunescape || flags.unescape_separators)
                    && !(flags.unescape_separators && (is_sep(next) || next == '\\'))
                {
                    return Err(());
                }
                push_char(&mut word, next);
                i += next.len_utf8();
                continue;
            }
            match quote {
                Some(q) if c == q => {
                    quote = None;
                    if !flags.unquote {
                        push_char(&mut word, c);
                    }
                }
                Some(_) => push_char(&mut word, c),
                None if flags.unquote && (c == '\'' || c == '"') => quote = Some(c),
                None if is_sep(c) => {
                    let mut rest = after;
                    let mut last = c;
                    if !flags.dont_coalesce {
                        while let Some(s) = rest.chars().next().filter(|s| is_sep(*s)) {
                            rest = &rest[s.len_utf8()..];
                            last = s;
                        }
                    }
                    self.rest = (flags.dont_coalesce || !rest.is_empty()).then_some(rest);
                    self.ended_by = Some(last);
                    return Ok(Some(word));
                }
                None => push_char(&mut word, c),
            }
        }
        if quote.is_some() {
            return Err(());
        }
        self.rest = None;
        Ok(Some(word))
    }

    /// As [`Words::next_bytes`], for words that must be UTF-8.
    pub(crate) fn next(&mut self, separators: &str, flags: Extract) -> Result<Option<String>, ()> {
        match self.next_bytes(separators, flags)? {
            Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| ()),
            None => Ok(None),
        }
    }
}

fn push_char(word: &mut Vec<u8>, c: char) {
    let mut buf = [0; 4];
    word.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Every whitespace-separated word of `s`.
pub(crate) fn words(s: &str, flags: Extract) -> Option<Vec<String>> {
    let mut cursor = Words::new(s);
    let mut out = Vec::new();
    while let Some(word) = cursor.next(WHITESPACE, flags).ok()? {
        out.push(word);
    }
    Some(out)
}

/// `unbase64mem`: standard Base64, whitespace ignored, padding optional.
pub(crate) fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be padding zeros; a lone 6-bit group is no byte.
    (bits < 6 && acc == 0 && padding <= 2).then_some(out)
}

/// `unhexmem`: pairs of hexadecimal digits.
pub(crate) fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).ok()?;
            if !pair.chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

/// The highest CPU (or NUMA node) number a set may name, as systemd's
/// `CPU_SETSIZE * 8` bound.
const CPU_MAX: u32 = 8192 * 8;

/// `parse_cpu_set` serialised as `cpu_set_to_dbus` does: a bitmask, CPU `n`
/// being bit `n % 8` of byte `n / 8`. Entries are numbers or ranges `a-b`,
/// separated by whitespace or commas.
pub(crate) fn cpu_set(s: &str) -> Option<Vec<u8>> {
    let mut mask: Vec<u8> = Vec::new();
    for item in s
        .split(|c: char| c == ',' || WHITESPACE.contains(c))
        .filter(|w| !w.is_empty())
    {
        let (lo, hi) = match item.split_once('-') {
            Some((lo, hi)) => (lo.parse::<u32>().ok()?, hi.parse::<u32>().ok()?),
            None => {
                let n = item.parse::<u32>().ok()?;
                (n, n)
            }
        };
        if lo > hi || hi >= CPU_MAX {
            return None;
        }
        let bytes = (hi / 8 + 1) as usize;
        if mask.len() < bytes {
            mask.resize(bytes, 0);
        }
        for cpu in lo..=hi {
            mask[(cpu / 8) as usize] |= 1 << (cpu % 8);
        }
    }
    Some(mask)
}

/// Standard signal names without `SIG`, numbered from 1 as on Linux.
const SIGNALS: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// `signal_from_string`: `SIGTERM` or `TERM`, `RTMIN+n`, `RTMAX-n`, or a
/// number from 1 to the highest real-time signal.
pub(crate) fn signal(s: &str) -> Option<i32> {
    let rtmin = libc::SIGRTMIN();
    let rtmax = libc::SIGRTMAX();
    let name = s.strip_prefix("SIG").unwrap_or(s);
    if let Some(i) = SIGNALS.iter().position(|n| *n == name) {
        return i32::try_from(i + 1).ok();
    }
    let offset = |rest: &str| -> Option<i32> {
        if rest.is_empty() {
            Some(0)
        } else {
            rest.parse::<i32>().ok().filter(|n| *n >= 0)
        }
    };
    if let Some(rest) = name.strip_prefix("RTMIN") {
        let rest = rest.strip_prefix('+').or(rest.is_empty().then_some(""))?;
        let n = rtmin.checked_add(offset(rest)?)?;
        return (n <= rtmax).then_some(n);
    }
    if let Some(rest) = name.strip_prefix("RTMAX") {
        let rest = rest.strip_prefix('-').or(rest.is_empty().then_some(""))?;
        let n = rtmax.checked_sub(offset(rest)?)?;
        return (n >= rtmin).then_some(n);
    }
    if name.len() != s.len() {
        return None;
    }
    let n = i32::try_from(unsigned(s)?).ok()?;
    (1..=rtmax).contains(&n).then_some(n)
}

/// Linux errno names and numbers, for `SystemCallErrorNumber=`.
const ERRNOS: &[(&str, i32)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EAGAIN", 11),
    ("EWOULDBLOCK", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("ENOTBLK", 15),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EXDEV", 18),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("ETXTBSY", 26),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EROFS", 30),
    ("EMLINK", 31),
    ("EPIPE", 32),
    ("EDOM", 33),
    ("ERANGE", 34),
    ("EDEADLK", 35),
    ("EDEADLOCK", 35),
    ("ENAMETOOLONG", 36),
    ("ENOLCK", 37),
    ("ENOSYS", 38),
    ("ENOTEMPTY", 39),
    ("ELOOP", 40),
    ("ENOMSG", 42),
    ("EIDRM", 43),
    ("ECHRNG", 44),
    ("EL2NSYNC", 45),
    ("EL3HLT", 46),
    ("EL3RST", 47),
    ("ELNRNG", 48),
    ("EUNATCH", 49),
    ("ENOCSI", 50),
    ("EL2HLT", 51),
    ("EBADE", 52),
    ("EBADR", 53),
    ("EXFULL", 54),
    ("ENOANO", 55),
    ("EBADRQC", 56),
    ("EBADSLT", 57),
    ("EBFONT", 59),
    ("ENOSTR", 60),
    ("ENODATA", 61),
    ("ETIME", 62),
    ("ENOSR", 63),
    ("ENONET", 64),
    ("ENOPKG", 65),
    ("EREMOTE", 66),
    ("ENOLINK", 67),
    ("EADV", 68),
    ("ESRMNT", 69),
    ("ECOMM", 70),
    ("EPROTO", 71),
    ("EMULTIHOP", 72),
    ("EDOTDOT", 73),
    ("EBADMSG", 74),
    ("EOVERFLOW", 75),
    ("ENOTUNIQ", 76),
    ("EBADFD", 77),
    ("EREMCHG", 78),
    ("ELIBACC", 79),
    ("ELIBBAD", 80),
    ("ELIBSCN", 81),
    ("ELIBMAX", 82),
    ("ELIBEXEC", 83),
    ("EILSEQ", 84),
    ("ERESTART", 85),
    ("ESTRPIPE", 86),
    ("EUSERS", 87),
    ("ENOTSOCK", 88),
    ("EDESTADDRREQ", 89),
    ("EMSGSIZE", 90),
    ("EPROTOTYPE", 91),
    ("ENOPROTOOPT", 92),
    ("EPROTONOSUPPORT", 93),
    ("ESOCKTNOSUPPORT", 94),
    ("EOPNOTSUPP", 95),
    ("ENOTSUP", 95),
    ("EPFNOSUPPORT", 96),
    ("EAFNOSUPPORT", 97),
    ("EADDRINUSE", 98),
    ("EADDRNOTAVAIL", 99),
    ("ENETDOWN", 100),
    ("ENETUNREACH", 101),
    ("ENETRESET", 102),
    ("ECONNABORTED", 103),
    ("ECONNRESET", 104),
    ("ENOBUFS", 105),
    ("EISCONN", 106),
    ("ENOTCONN", 107),
    ("ESHUTDOWN", 108),
    ("ETOOMANYREFS", 109),
    ("ETIMEDOUT", 110),
    ("ECONNREFUSED", 111),
    ("EHOSTDOWN", 112),
    ("EHOSTUNREACH", 113),
    ("EALREADY", 114),
    ("EINPROGRESS", 115),
    ("ESTALE", 116),
    ("EUCLEAN", 117),
    ("ENOTNAM", 118),
    ("ENAVAIL", 119),
    ("EISNAM", 120),
    ("EREMOTEIO", 121),
    ("EDQUOT", 122),
    ("ENOMEDIUM", 123),
    ("EMEDIUMTYPE", 124),
    ("ECANCELED", 125),
    ("ENOKEY", 126),
    ("EKEYEXPIRED", 127),
    ("EKEYREVOKED", 128),
    ("EKEYREJECTED", 129),
    ("EOWNERDEAD", 130),
    ("ENOTRECOVERABLE", 131),
    ("ERFKILL", 132),
    ("EHWPOISON", 133),
];

/// systemd's `SECCOMP_ERROR_NUMBER_KILL`: `SystemCallErrorNumber=kill`.
const SECCOMP_ERROR_NUMBER_KILL: i32 = i32::MAX - 1;

/// `seccomp_parse_errno_or_action`: `kill`, an errno name, or a number up
/// to 4095.
pub(crate) fn errno_or_action(s: &str) -> Option<i32> {
    if s == "kill" {
        return Some(SECCOMP_ERROR_NUMBER_KILL);
    }
    if let Some((_, n)) = ERRNOS.iter().find(|(name, _)| *name == s) {
        return Some(*n);
    }
    let n = i32::try_from(unsigned(s)?).ok()?;
    (0..=4095).contains(&n).then_some(n)
}

/// Capability names, numbered from 0 as in `<linux/capability.h>`.
const CAPABILITIES: [&str; 41] = [
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
];

/// `capability_set_from_string`, inverted by a leading `~`: a bitmask of the
/// capabilities named (`CAP_SYS_ADMIN`, `cap_net_raw`, or numbers up to 62).
/// Unlike systemd, which skips unknown names, an unknown name is refused.
pub(crate) fn capabilities(s: &str) -> Option<u64> {
    let (invert, list) = match s.strip_prefix('~') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut mask = 0u64;
    for word in words(list, Extract::UNQUOTE)? {
        let bit = match CAPABILITIES
            .iter()
            .position(|c| c.eq_ignore_ascii_case(&word))
        {
            Some(i) => i as u64,
            None => unsigned(&word).filter(|n| *n < 63)?,
        };
        mask |= 1 << bit;
    }
    Some(if invert { !mask } else { mask })
}

/// Linux namespace names and their `CLONE_NEW*` flags, for
/// `RestrictNamespaces=`.
const NAMESPACES: [(&str, u64); 7] = [
    ("cgroup", 0x0200_0000),
    ("ipc", 0x0800_0000),
    ("net", 0x4000_0000),
    ("mnt", 0x0002_0000),
    ("pid", 0x2000_0000),
    ("user", 0x1000_0000),
    ("uts", 0x0400_0000),
];

/// systemd's `NAMESPACE_FLAGS_ALL`.
const NAMESPACE_FLAGS_ALL: u64 =
    0x0200_0000 | 0x0800_0000 | 0x4000_0000 | 0x0002_0000 | 0x2000_0000 | 0x1000_0000 | 0x0400_0000;

/// `RestrictNamespaces=`: a boolean (`yes` restricts all, so no flag is
/// allowed) or the namespaces allowed, inverted by a leading `~`.
pub(crate) fn namespace_flags(s: &str) -> Option<u64> {
    if let Some(b) = boolean(s) {
        return Some(if b { 0 } else { NAMESPACE_FLAGS_ALL });
    }
    let (invert, list) = match s.strip_prefix('~') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut flags = 0;
    for word in words(list, Extract::default())? {
        flags |= NAMESPACES.iter().find(|(n, _)| *n == word)?.1;
    }
    Some(if invert {
        !flags & NAMESPACE_FLAGS_ALL
    } else {
        flags
    })
}

/// A value from a table of names, or a number up to `max` (systemd's
/// `DEFINE_STRING_TABLE_LOOKUP_WITH_FALLBACK`).
pub(crate) fn name_or_number(s: &str, names: &[(&str, i32)], max: i32) -> Option<i32> {
    if let Some((_, v)) = names.iter().find(|(n, _)| *n == s) {
        return Some(*v);
    }
    let n = i32::try_from(unsigned(s)?).ok()?;
    (0..=max).contains(&n).then_some(n)
}

/// A bitmask of the space-separated names of `table`, each standing for
/// its bits.
pub(crate) fn flag_words(s: &str, table: &[(&str, u64)]) -> Option<u64> {
    let mut mask = 0;
    for word in words(s, Extract::default())? {
        mask |= table.iter().find(|(n, _)| *n == word)?.1;
    }
    Some(mask)
}

/// Coredump filter bits by name.
const COREDUMP_FILTERS: [&str; 9] = [
    "private-anonymous",
    "shared-anonymous",
    "private-file-backed",
    "shared-file-backed",
    "elf-headers",
    "private-huge",
    "shared-huge",
    "private-dax",
    "shared-dax",
];

/// `coredump_filter_mask_from_string`: names, `default`, `all`, or
/// hexadecimal masks, combined.
pub(crate) fn coredump_filter(s: &str) -> Option<u64> {
    const DEFAULT: u64 = 0x33;
    let mut mask = 0;
    for word in words(s, Extract::default())? {
        if word == "default" {
            mask |= DEFAULT;
        } else if word == "all" {
            mask = u64::from(u32::MAX);
        } else if let Some(i) = COREDUMP_FILTERS.iter().position(|n| *n == word) {
            mask |= 1 << i;
        } else {
            let digits = word
                .strip_prefix("0x")
                .or_else(|| word.strip_prefix("0X"))
                .unwrap_or(&word);
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            mask |= u64::from_str_radix(digits, 16).ok()?;
        }
    }
    Some(mask)
}

/// Exit status names (`exit_status_from_string`): the LSB and BSD ones.
const EXIT_STATUSES: &[(&str, i32)] = &[
    ("SUCCESS", 0),
    ("FAILURE", 1),
    ("INVALIDARGUMENT", 2),
    ("NOTIMPLEMENTED", 3),
    ("NOPERMISSION", 4),
    ("NOTINSTALLED", 5),
    ("NOTCONFIGURED", 6),
    ("NOTRUNNING", 7),
    ("USAGE", 64),
    ("DATAERR", 65),
    ("NOINPUT", 66),
    ("NOUSER", 67),
    ("NOHOST", 68),
    ("UNAVAILABLE", 69),
    ("SOFTWARE", 70),
    ("OSERR", 71),
    ("OSFILE", 72),
    ("CANTCREAT", 73),
    ("IOERR", 74),
    ("TEMPFAIL", 75),
    ("PROTOCOL", 76),
    ("NOPERM", 77),
    ("CONFIG", 78),
];

/// An exit status: a number from 0 to 255 or an LSB or BSD status name.
pub(crate) fn exit_status(s: &str) -> Option<i32> {
    name_or_number(s, EXIT_STATUSES, 255)
}

/// `in_addr_prefix_from_string_auto`: `address[/prefix]`, the prefix
/// defaulting to the whole address: the family (`AF_INET` or `AF_INET6`),
/// the address bytes and the prefix length.
pub(crate) fn ip_prefix(s: &str) -> Option<(i32, Vec<u8>, u32)> {
    let (addr, prefix) = match s.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (s, None),
    };
    let (family, bytes, max) = match addr.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => (libc::AF_INET, a.octets().to_vec(), 32),
        std::net::IpAddr::V6(a) => (libc::AF_INET6, a.octets().to_vec(), 128),
    };
    let len = match prefix {
        Some(p) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => p.parse().ok()?,
        Some(_) => return None,
        None => max,
    };
    (len <= max).then_some((family, bytes, len))
}

/// `is_localhost`: `localhost`, `localhost.localdomain` and names under
/// `.localhost`, with an optional trailing dot.
pub(crate) fn is_localhost(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
    s == "localhost" || s == "localhost.localdomain" || s.ends_with(".localhost")
}

/// Reads the NUMA nodes the kernel can have, for `NUMAMask=all`.
pub(crate) fn all_numa_nodes() -> Option<Vec<u8>> {
    let possible = std::fs::read_to_string("/sys/devices/system/node/possible").ok()?;
    cpu_set(possible.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        for t in ["1", "yes", "Y", "TRUE", "t", "On"] {
            assert_eq!(boolean(t), Some(true), "{t}");
        }
        for f in ["0", "no", "N", "False", "f", "OFF"] {
            assert_eq!(boolean(f), Some(false), "{f}");
        }
        for bad in ["", "2", "yess", " yes"] {
            assert_eq!(boolean(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(unsigned("42"), Some(42));
        assert_eq!(unsigned(" +42"), Some(42));
        assert_eq!(unsigned("0x1f"), Some(31));
        assert_eq!(unsigned("010"), Some(8));
        assert_eq!(unsigned("0b101"), Some(5));
        assert_eq!(unsigned("0"), Some(0));
        for bad in ["", "-1", "1x", "0x", "08", "18446744073709551616"] {
            assert_eq!(unsigned(bad), None, "{bad}");
        }
        assert_eq!(signed("-20"), Some(-20));
        assert_eq!(signed("19"), Some(19));
        assert_eq!(signed("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(signed("--1"), None);
        assert_eq!(mode("0755"), Some(0o755));
        assert_eq!(mode("7777"), Some(0o7777));
        assert_eq!(mode("10000"), None);
        assert_eq!(mode("0778"), None);
    }

    #[test]
    fn times() {
        assert_eq!(sec("5"), Some(5_000_000));
        assert_eq!(sec("5s"), Some(5_000_000));
        assert_eq!(sec("1.5s"), Some(1_500_000));
        assert_eq!(sec("1h 30min"), Some(5_400_000_000));
        assert_eq!(sec("2 min"), Some(120_000_000));
        assert_eq!(sec("100ms"), Some(100_000));
        assert_eq!(sec("1m"), Some(60_000_000));
        assert_eq!(sec("1M"), Some(2_629_800_000_000));
        assert_eq!(sec("1y"), Some(31_557_600_000_000));
        assert_eq!(sec("1w2d"), Some(777_600_000_000));
        assert_eq!(sec("5us"), Some(5));
        assert_eq!(sec(" infinity "), Some(INFINITY));
        assert_eq!(sec(".5s"), Some(500_000));
        for bad in [
            "",
            "abc",
            "5 parsecs",
            "-1s",
            "1.s",
            "1.2.3",
            "5ns",
            "infinity x",
        ] {
            assert_eq!(sec(bad), None, "{bad}");
        }
        assert_eq!(usec("50"), Some(50));
        assert_eq!(nsec("50"), Some(50));
        assert_eq!(nsec("50us"), Some(50_000));
        assert_eq!(nsec("1s"), Some(1_000_000_000));
        assert_eq!(sec_rounded_up("1500ms"), Some(2));
        assert_eq!(sec_rounded_up("infinity"), Some(INFINITY));
    }

    #[test]
    fn sizes() {
        assert_eq!(size("1G", 1024), Some(1 << 30));
        assert_eq!(size("1.5M", 1024), Some(3 << 19));
        assert_eq!(size("1G 512M", 1024), Some((1 << 30) + (1 << 29)));
        assert_eq!(size("512", 1024), Some(512));
        assert_eq!(size("10B", 1024), Some(10));
        assert_eq!(size("2K", 1000), Some(2000));
        assert_eq!(size(" 3 T", 1024), Some(3 << 40));
        for bad in ["", "G", "1X", "-1", "1M 1G", "1K2K", "100000E"] {
            assert_eq!(size(bad, 1024), None, "{bad}");
        }
    }

    #[test]
    fn permyriads() {
        assert_eq!(permyriad_unbounded("20%"), Some(2000));
        assert_eq!(permyriad_unbounded("20.5%"), Some(2050));
        assert_eq!(permyriad_unbounded("20.55%"), Some(2055));
        assert_eq!(permyriad_unbounded("205\u{2030}"), Some(2050));
        assert_eq!(permyriad_unbounded("20.5\u{2030}"), Some(205));
        assert_eq!(permyriad_unbounded("2055\u{2031}"), Some(2055));
        assert_eq!(permyriad_unbounded("250%"), Some(25_000));
        for bad in ["20", "20.555%", "-1%", "%", "x%", "20.%"] {
            assert_eq!(permyriad_unbounded(bad), None, "{bad}");
        }
        assert_eq!(permyriad("100%"), Some(10_000));
        assert_eq!(permyriad("101%"), None);
        assert_eq!(scale_from_permyriad(10_000), u32::MAX);
        assert_eq!(scale_from_permyriad(0), 0);
        assert_eq!(scale_from_permyriad(5_000), 2_147_483_648);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            cunescape(r"a\tb\x41\101\u00e9\s", false).unwrap(),
            "a\tbAAé ".as_bytes()
        );
        assert_eq!(cunescape(r"\x00", true).unwrap(), [0]);
        assert_eq!(cunescape(r"\x00", false), None);
        assert_eq!(cunescape(r"\q", false), None);
        assert_eq!(cunescape(r"trailing\", false), None);
    }

    #[test]
    fn word_splitting() {
        let w = |s, f| words(s, f);
        assert_eq!(w("a b  c", Extract::UNQUOTE).unwrap(), ["a", "b", "c"]);
        assert_eq!(
            w(r#"'a b' "c d"e"#, Extract::UNQUOTE).unwrap(),
            ["a b", "c de"]
        );
        assert_eq!(w(r"a\ b", Extract::UNQUOTE).unwrap(), ["a b"]);
        assert_eq!(
            w(r"A=\x41\n", Extract::UNQUOTE_CUNESCAPE).unwrap(),
            ["A=A\n"]
        );
        assert_eq!(w("  ", Extract::UNQUOTE).unwrap(), Vec::<String>::new());
        assert_eq!(w("'open", Extract::UNQUOTE), None);
        assert_eq!(w(r"\q", Extract::UNQUOTE_CUNESCAPE), None);
        assert_eq!(w("'x'", Extract::default()).unwrap(), ["'x'"]);

        let mut cursor = Words::new("src:dst:opts more");
        let sep = ": \t\n\r";
        let flags = Extract {
            dont_coalesce: true,
            ..Extract::UNQUOTE
        };
        assert_eq!(cursor.next(sep, flags).unwrap().as_deref(), Some("src"));
        assert!(cursor.ended_by(':'));
        assert_eq!(cursor.next(sep, flags).unwrap().as_deref(), Some("dst"));
        assert!(cursor.ended_by(':'));
        assert_eq!(cursor.rest(), Some("opts more"));

        let mut split = Words::new("a::b");
        let got: Vec<_> = std::iter::from_fn(|| split.next(":", Extract::SPLIT).unwrap()).collect();
        assert_eq!(got, ["a", "", "b"]);
    }

    #[test]
    fn binary_encodings() {
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64("aGVs bG8").unwrap(), b"hello");
        assert_eq!(base64("").unwrap(), b"");
        assert_eq!(base64("a"), None);
        assert_eq!(base64("aGV*"), None);
        assert_eq!(hex("00ff10").unwrap(), [0, 255, 16]);
        assert_eq!(hex("0"), None);
        assert_eq!(hex("zz"), None);
    }

    #[test]
    fn cpu_sets() {
        assert_eq!(cpu_set("0-3 8,9").unwrap(), [0x0f, 0x03]);
        assert_eq!(cpu_set("").unwrap(), Vec::<u8>::new());
        assert_eq!(cpu_set("3-1"), None);
        assert_eq!(cpu_set("x"), None);
        assert_eq!(cpu_set("99999999"), None);
    }

    #[test]
    fn named_values() {
        assert_eq!(signal("SIGTERM"), Some(15));
        assert_eq!(signal("KILL"), Some(9));
        assert_eq!(signal("9"), Some(9));
        assert_eq!(signal("RTMIN+1"), Some(libc::SIGRTMIN() + 1));
        assert_eq!(signal("SIGRTMAX"), Some(libc::SIGRTMAX()));
        assert_eq!(signal("SIGNOPE"), None);
        assert_eq!(signal("RTMIN+2147483647"), None);
        assert_eq!(signal("RTMAX-2147483647"), None);
        assert_eq!(signal("0"), None);
        assert_eq!(signal("SIG9"), None);
        assert_eq!(errno_or_action("EPERM"), Some(1));
        assert_eq!(errno_or_action("kill"), Some(i32::MAX - 1));
        assert_eq!(errno_or_action("4096"), None);
        assert_eq!(capabilities("CAP_CHOWN cap_kill"), Some(0b10_0001));
        assert_eq!(capabilities("~"), Some(u64::MAX));
        assert_eq!(capabilities("cap_nope"), None);
        assert_eq!(namespace_flags("yes"), Some(0));
        assert_eq!(
            namespace_flags("~user"),
            Some(NAMESPACE_FLAGS_ALL & !0x1000_0000)
        );
        assert_eq!(namespace_flags("net ipc"), Some(0x4800_0000));
        assert_eq!(namespace_flags("time"), None);
        assert_eq!(coredump_filter("default 0x100"), Some(0x133));
        assert_eq!(coredump_filter("elf-headers"), Some(0x10));
        assert_eq!(coredump_filter("bogus"), None);
        assert_eq!(exit_status("NOTINSTALLED"), Some(5));
        assert_eq!(exit_status("256"), None);
    }

    #[test]
    fn addresses() {
        assert_eq!(
            ip_prefix("10.0.0.0/8").unwrap(),
            (libc::AF_INET, vec![10, 0, 0, 0], 8)
        );
        assert_eq!(ip_prefix("::1").unwrap().2, 128);
        assert_eq!(ip_prefix("10.0.0.0/33"), None);
        assert_eq!(ip_prefix("10.0.0.0/"), None);
        assert_eq!(ip_prefix("example.com"), None);
        assert!(is_localhost("localhost."));
        assert!(is_localhost("foo.localhost"));
        assert!(!is_localhost("localhostx"));
    }
}
