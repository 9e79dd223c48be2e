//! Quantities in plain words: "1.5x", "one and a half times", "一点五倍", "three seconds",
//! "1:05", "35%", "百分之三十五", "half".
//!
//! Instructions are first rewritten so every number is in digits ([`digits_for_words`]); the
//! matchers then read digits only. English number words become digits ("twenty five" → 25,
//! "one and a half" → 1.5, "half" → 0.5); Chinese numerals too ("三十五" → 35, "一点五" → 1.5,
//! "两" → 2, "百分之三十五" → 35%).

/// Rewrites number words as digits, leaving everything else as it was.
pub fn digits_for_words(text: &str) -> String {
    chinese_numerals(&english_numbers(text))
}

const UNITS: &[(&str, u64)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
];

const TENS: &[(&str, u64)] = &[
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];

fn word_value(word: &str) -> Option<u64> {
    UNITS
        .iter()
        .chain(TENS)
        .find(|(name, _)| *name == word)
        .map(|(_, v)| *v)
}

/// English number words → digits: "twenty five" / "twenty-five" → 25, "a hundred" → 100,
/// "one and a half" → 1.5, "two point five" → 2.5, "a half" and "half a" → 0.5.
fn english_numbers(text: &str) -> String {
    let tokens: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (value, used) = read_english_number(&tokens[i..]);
        if used == 0 {
            out.push(tokens[i].to_string());
            i += 1;
        } else {
            out.push(format_number(value));
            i += used;
        }
    }
    out.join(" ")
}

/// The number at the start of `tokens` and how many tokens it used (0: none).
fn read_english_number(tokens: &[&str]) -> (f64, usize) {
    let bare = |t: &str| {
        t.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
            .to_string()
    };
    let mut whole: Option<u64> = None;
    let mut used = 0;
    // "a hundred", "a half"
    if tokens.first().map(|t| bare(t)) == Some("a".into()) {
        match tokens.get(1).map(|t| bare(t)).as_deref() {
            Some("hundred") => {
                whole = Some(100);
                used = 2;
            }
            Some("half") => return (0.5, 2),
            Some("quarter") => return (0.25, 2),
            _ => return (0.0, 0),
        }
    }
    if whole.is_none() {
        let first = tokens.first().map(|t| bare(t)).unwrap_or_default();
        // "half a second" (a bare "half", as in "half speed", stays a word)
        if first == "half" && matches!(tokens.get(1).map(|t| bare(t)).as_deref(), Some("a" | "an"))
        {
            return (0.5, 2);
        }
        // "twenty-five"
        let mut parts = first.splitn(2, '-');
        let head = parts.next().and_then(word_value);
        let tail = parts.next().map(word_value);
        match (head, tail) {
            (Some(h), None) => {
                whole = Some(h);
                used = 1;
            }
            (Some(h), Some(Some(t))) if h >= 20 && t < 10 => {
                whole = Some(h + t);
                used = 1;
            }
            _ => return (0.0, 0),
        }
        // "twenty five"
        if let Some(w) = whole.filter(|w| *w >= 20 && w % 10 == 0) {
            if let Some(unit) = tokens
                .get(used)
                .and_then(|t| word_value(&bare(t)))
                .filter(|u| (1..10).contains(u))
            {
                whole = Some(w + unit);
                used += 1;
            }
        }
        // "two hundred"
        if tokens.get(used).map(|t| bare(t)).as_deref() == Some("hundred") {
            whole = whole.map(|w| w * 100);
            used += 1;
        }
    }
    let whole = whole.unwrap_or(0) as f64;
    // "one and a half", "two point five"
    let next = |k: usize| tokens.get(used + k).map(|t| bare(t)).unwrap_or_default();
    if next(0) == "and" && next(1) == "a" && next(2) == "half" {
        return (whole + 0.5, used + 3);
    }
    if next(0) == "point" {
        if let Some(d) = word_value(&next(1)).filter(|d| *d < 10) {
            return (whole + d as f64 / 10.0, used + 2);
        }
    }
    (whole, used)
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{}", value as u64)
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn chinese_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_chinese_numeral(c: char) -> bool {
    chinese_digit(c).is_some() || matches!(c, '十' | '百' | '点')
}

/// Chinese numerals → digits: "三十五" → 35, "一百" → 100, "一点五" → 1.5, "百分之三十五" →
/// "35%". A lone "一" that is not a number ("一下", "一个") is left alone unless a unit or
/// 倍/秒/分 follows; "两" always counts (it is only ever a number).
fn chinese_numerals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        // 百分之N → N%
        if chars[i..].starts_with(&['百', '分', '之']) {
            let (value, used) = read_chinese_number(&chars[i + 3..]);
            if used > 0 {
                out.push_str(&format_number(value));
                out.push('%');
                i += 3 + used;
                continue;
            }
            let digits: String = chars[i + 3..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == '.')
                .collect();
            if !digits.is_empty() {
                out.push_str(&digits);
                out.push('%');
                i += 3 + digits.chars().count();
                continue;
            }
        }
        if is_chinese_numeral(chars[i]) && chars[i] != '点' {
            let (value, used) = read_chinese_number(&chars[i..]);
            let following = chars.get(i + used).copied();
            let lone_one = used == 1 && chars[i] == '一';
            let numeric_context = following.is_some_and(|c| "倍秒分帧%％个".contains(c))
                || following.is_none_or(|c| c.is_ascii_punctuation() || "，。".contains(c));
            if used > 0 && (!lone_one || numeric_context) {
                out.push_str(&format_number(value));
                i += used;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The Chinese number at the start of `chars` and how many characters it used.
fn read_chinese_number(chars: &[char]) -> (f64, usize) {
    let mut total: u64 = 0;
    let mut current: Option<u64> = None;
    let mut used = 0;
    let mut any = false;
    while let Some(&c) = chars.get(used) {
        if let Some(d) = chinese_digit(c) {
            current = Some(d);
        } else if c == '十' {
            total += current.unwrap_or(1) * 10;
            current = None;
        } else if c == '百' {
            total += current.unwrap_or(1) * 100;
            current = None;
        } else {
            break;
        }
        any = true;
        used += 1;
    }
    if !any {
        return (0.0, 0);
    }
    let whole = (total + current.unwrap_or(0)) as f64;
    // 一点五
    if chars.get(used) == Some(&'点') {
        let decimals: Vec<u64> = chars[used + 1..]
            .iter()
            .map_while(|&c| chinese_digit(c))
            .collect();
        if !decimals.is_empty() {
            let fraction: f64 = decimals
                .iter()
                .enumerate()
                .map(|(k, d)| *d as f64 / 10f64.powi(k as i32 + 1))
                .sum();
            return (whole + fraction, used + 1 + decimals.len());
        }
    }
    (whole, used)
}

/// The first plain number in `text` (digits with an optional decimal part).
pub fn first_number(text: &str) -> Option<f64> {
    numbers(text).into_iter().next()
}

/// Every plain number in `text`, in order.
pub fn numbers(text: &str) -> Vec<f64> {
    let mut found = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '.' && !current.is_empty() && !current.contains('.')) {
            current.push(c);
        } else if !current.is_empty() {
            if let Ok(value) = current.trim_end_matches('.').parse() {
                found.push(value);
            }
            current.clear();
        }
    }
    found
}

/// A percentage: "35%", "35 percent", "35 per cent" → 0.35.
pub fn percentage(text: &str) -> Option<f64> {
    let compact = text
        .replace("per cent", "%")
        .replace("percent", "%")
        .replace('％', "%");
    let at = compact.find('%')?;
    number_before(&compact, at).map(|p| p / 100.0)
}

/// The number written right before byte `at` of `text` (spaces between allowed): "35" in
/// "35 %", "60" in "4k 60fps".
pub fn number_before(text: &str, at: usize) -> Option<f64> {
    let digits: String = text[..at]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

/// A factor: "1.5x", "1.5 x", "x1.5", "1.5 times", "1.5倍" → 1.5.
pub fn factor(text: &str) -> Option<f64> {
    let compact = text
        .replace('×', "x")
        .replace("times", "x")
        .replace('倍', "x");
    let chars: Vec<char> = compact.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != 'x' {
            continue;
        }
        // "1.5x" or "1.5 x": the number just before, not part of a word ("box", "max").
        let mut j = i;
        while j > 0 && chars[j - 1] == ' ' {
            j -= 1;
        }
        let digits: String = chars[..j]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit() || **c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after_letter = chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic());
        if !digits.is_empty() && !after_letter {
            return digits.parse().ok();
        }
        // "x1.5"
        let before_letter = i > 0 && chars[i - 1].is_ascii_alphabetic();
        let digits: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == '.')
            .collect();
        if !digits.is_empty() && !before_letter {
            return digits.parse().ok();
        }
    }
    None
}

/// A length of time in milliseconds: "3 seconds", "3 s", "3s", "1.5 sec", "2 minutes",
/// "1:05", "3秒", "1分05秒", "2分钟".
pub fn duration_ms(text: &str) -> Option<u64> {
    durations_ms(text).into_iter().next()
}

/// Every length of time or clock time in `text`, in order.
pub fn durations_ms(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit()
            || (i > 0 && (chars[i - 1].is_ascii_digit() || chars[i - 1] == '.'))
        {
            i += 1;
            continue;
        }
        let number: String = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == '.')
            .collect();
        let mut j = i + number.chars().count();
        let Ok(value) = number.trim_end_matches('.').parse::<f64>() else {
            i = j;
            continue;
        };
        // 1:05 or 1:05.5 (minutes:seconds), 1:02:03 (hours)
        if chars.get(j) == Some(&':') && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
            let mut parts = vec![value];
            while chars.get(j) == Some(&':') {
                let part: String = chars[j + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || **c == '.')
                    .collect();
                if part.is_empty() {
                    break;
                }
                j += 1 + part.chars().count();
                parts.push(part.parse().unwrap_or(0.0));
            }
            let seconds = parts.iter().fold(0.0, |acc, p| acc * 60.0 + p);
            found.push((seconds * 1000.0).round() as u64);
            i = j;
            continue;
        }
        let rest: String = chars[j..].iter().collect();
        // "3 seconds", "3s", "a 2-second intro"
        let rest = rest.trim_start().trim_start_matches('-');
        let unit_ms = [
            ("milliseconds", 1.0),
            ("millisecond", 1.0),
            ("ms", 1.0),
            ("毫秒", 1.0),
            ("seconds", 1000.0),
            ("second", 1000.0),
            ("secs", 1000.0),
            ("sec", 1000.0),
            ("s", 1000.0),
            ("秒", 1000.0),
            ("minutes", 60_000.0),
            ("minute", 60_000.0),
            ("mins", 60_000.0),
            ("min", 60_000.0),
            ("m", 60_000.0),
            ("分钟", 60_000.0),
            ("分", 60_000.0),
        ]
        .into_iter()
        .find(|(unit, _)| {
            rest.starts_with(unit)
                && !rest[unit.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
        });
        if let Some((unit, scale)) = unit_ms {
            let mut ms = value * scale;
            let skipped = text_len(&chars[j..]) - rest.chars().count() + unit.chars().count();
            j += skipped;
            // 1分05秒, "1 minute 5 seconds"
            if scale == 60_000.0 {
                let tail: String = chars[j..].iter().collect();
                let tail_trimmed = tail.trim_start();
                let seconds: String = tail_trimmed
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                if !seconds.is_empty() {
                    let after = tail_trimmed[seconds.len()..].trim_start();
                    if let Some(unit) = ["seconds", "second", "secs", "sec", "s", "秒"]
                        .into_iter()
                        .find(|u| after.starts_with(u))
                    {
                        ms += seconds.parse::<f64>().unwrap_or(0.0) * 1000.0;
                        j += tail.chars().count() - after.chars().count() + unit.chars().count();
                    }
                }
            }
            found.push(ms.round() as u64);
        }
        i = j.max(i + 1);
    }
    found
}

fn text_len(chars: &[char]) -> usize {
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_number_words_become_digits() {
        for (words, digits) in [
            ("speed it up one and a half times", "speed it up 1.5 times"),
            ("the first three seconds", "the first 3 seconds"),
            ("twenty five percent", "25 percent"),
            ("twenty-five percent", "25 percent"),
            ("two point five x", "2.5 x"),
            ("a half second", "0.5 second"),
            ("fade in over half a second", "fade in over 0.5 second"),
            ("half speed", "half speed"),
            ("one hundred percent", "100 percent"),
            ("someone said nothing", "someone said nothing"),
        ] {
            assert_eq!(digits_for_words(words), digits, "{words}");
        }
    }

    #[test]
    fn chinese_numerals_become_digits() {
        for (words, digits) in [
            ("加速一点五倍", "加速1.5倍"),
            ("前三秒", "前3秒"),
            ("音乐音量百分之三十五", "音乐音量35%"),
            ("百分之35", "35%"),
            ("两倍速", "2倍速"),
            ("最后十秒", "最后10秒"),
            ("二十五秒", "25秒"),
            ("一百帧", "100帧"),
            ("稍微调一下", "稍微调一下"),
            ("快一点", "快一点"),
            ("一分零五秒", "1分5秒"),
        ] {
            assert_eq!(digits_for_words(words), digits, "{words}");
        }
    }

    #[test]
    fn quantities_are_read_in_every_spelling() {
        assert_eq!(percentage("add music at 35%"), Some(0.35));
        assert_eq!(percentage("volume 80 percent"), Some(0.8));
        assert_eq!(percentage("音量35％"), Some(0.35));
        assert_eq!(factor("speed it up 1.5x"), Some(1.5));
        assert_eq!(factor("play at x2"), Some(2.0));
        assert_eq!(factor("1.5 times faster"), Some(1.5));
        assert_eq!(factor("加速1.5倍"), Some(1.5));
        assert_eq!(factor("max box"), None);
        assert_eq!(duration_ms("for the first 3 seconds"), Some(3_000));
        assert_eq!(duration_ms("the last 10 s"), Some(10_000));
        assert_eq!(duration_ms("2.5s"), Some(2_500));
        assert_eq!(duration_ms("a 2-second intro"), Some(2_000));
        assert_eq!(duration_ms("2 minutes"), Some(120_000));
        assert_eq!(duration_ms("at 1:05"), Some(65_000));
        assert_eq!(duration_ms("1:02:03"), Some(3_723_000));
        assert_eq!(duration_ms("前3秒"), Some(3_000));
        assert_eq!(duration_ms("1分05秒"), Some(65_000));
        assert_eq!(duration_ms("1 minute 5 seconds"), Some(65_000));
        assert_eq!(duration_ms("500 ms"), Some(500));
        assert_eq!(duration_ms("1080p"), None);
        assert_eq!(
            duration_ms("9:16"),
            Some(556_000),
            "callers read aspects first"
        );
        assert_eq!(durations_ms("from 0:10 to 0:25"), [10_000, 25_000]);
        assert_eq!(durations_ms("从10秒到25秒"), [10_000, 25_000]);
        assert_eq!(numbers("1080p at 60 fps"), [1080.0, 60.0]);
    }
}
