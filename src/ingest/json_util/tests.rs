//! Tests of the JSON helpers.

use super::*;

#[test]
fn dates() {
    assert_eq!(normalize_date("/Date(1661362185000)/").as_deref(), Some("2022-08-24T17:29:45Z"));
    assert_eq!(normalize_date("/Date(1661362185123+0200)/").as_deref(), Some("2022-08-24T17:29:45.123Z"));
    assert_eq!(normalize_date("2021-08-02T10:30:06Z").as_deref(), Some("2021-08-02T10:30:06Z"));
    assert_eq!(normalize_date("2021-08-02T12:30:06+02:00").as_deref(), Some("2021-08-02T10:30:06Z"));
    assert_eq!(normalize_date("2021-08-25T07:44:46.2616778Z").as_deref(), Some("2021-08-25T07:44:46.2616778Z"));
    assert_eq!(normalize_date("2021-08-02T10:30:06").as_deref(), Some("2021-08-02T10:30:06Z"));
    assert_eq!(normalize_date("8/24/2022 5:29:45 PM"), None);
    assert_eq!(normalize_date("/Date(abc)/"), None);
    assert_eq!(normalize_date("/Date(99999999999999999999)/"), None);
}

#[test]
fn lines_both_directions() {
    let d = Doc::new("a\nb\nc\nd");
    assert_eq!(d.line_at(6), 4);
    assert_eq!(d.line_at(2), 2);
    assert_eq!(d.line_at(0), 1);
    assert_eq!(d.line_at(100), 4);
}

#[test]
fn raw_object_lines_and_case_insensitive_keys() {
    let text = "{\n \"Value\": [\n  {\"Id\": \"x\"},\n  {\"id\": \"y\"}\n ]\n}";
    let doc = Doc::new(text);
    let root = parse_root(text).unwrap();
    let top = object(root).unwrap();
    let items = array(top.get("value").unwrap()).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(doc.line_of(items[0]), 3);
    assert_eq!(doc.line_of(items[1]), 4);
    let a = object(items[0]).unwrap();
    assert_eq!(string(a.get("id").unwrap()).as_deref(), Some("x"));
    assert!(object(items[1]).unwrap().has("ID"));
}

#[test]
fn truncated_json_is_a_read_error_at_its_last_line() {
    let e = parse_root("{\n \"value\": [\n  {\"id\": 1},\n").unwrap_err();
    assert_eq!(e.line, 4);
    assert!(e.reason.contains("truncated"), "{}", e.reason);
    let e = parse_root("{\n \"a\": 1,,\n}").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.reason.starts_with("invalid JSON"), "{}", e.reason);
}

#[test]
fn json_errors_say_what_the_parser_met_and_where() {
    let reason = |t: &str| {
        let e = parse_root(t).unwrap_err();
        (e.line, e.reason)
    };
    // A raw NUL inside a string of one-line (compact) JSON: not a truncation.
    let (line, r) = reason("{\"value\":[{\"displayName\":\"Ana\u{0}Silva\"}]}");
    assert_eq!(line, 1);
    assert!(r.starts_with("control character U+0000 (NUL) inside a JSON string at line 1 column 30 "), "{r}");
    assert!(!r.contains("truncated"), "{r}");
    // 0x01 on a later line; the column counts characters (é is two bytes).
    let (line, r) = reason("{\n \"a\": \"é\u{1}\"\n}");
    assert_eq!(line, 2);
    assert!(r.starts_with("control character U+0001 inside a JSON string at line 2 column 9 "), "{r}");
    // A control character between tokens.
    let (_, r) = reason("{\"a\": \u{2}1}");
    assert!(r.starts_with("control character U+0002 at line 1 column 7, where JSON allows none"), "{r}");
    // A file cut off and zero-filled.
    let (line, r) = reason("{\n \"value\": [\n  {\"id\": \"x\u{0}\u{0}\u{0}\u{0}");
    assert_eq!(line, 3);
    assert!(r.contains("the rest of the file is 4 NUL byte(s)") && r.contains("cut off and zero-filled"), "{r}");
    // A cut inside a string followed by a line break is a truncation, not a control character.
    let (line, r) = reason("{\n \"value\": [\n  {\"id\": \"11111111-2222-\n");
    assert_eq!(line, 3);
    assert!(
        r.starts_with("the JSON ends before it is complete (the text stops inside a string at line 3 column 25)"),
        "{r}"
    );
    // A raw line break inside a string with more text after it is a damaged value.
    let (_, r) = reason("{\"a\": \"x\ny\"}");
    assert!(r.starts_with("control character U+000A inside a JSON string at line 1 column 9 "), "{r}");
    // The end of the text is still a truncation.
    let (_, r) = reason("{\"value\": [{\"id\": 1}");
    assert!(r.starts_with("the JSON ends before it is complete (EOF while parsing a list)"), "{r}");
    // Other classes, on the last line too.
    let (_, r) = reason("{\"a\": 1}\n{\"b\": 2}");
    assert!(
        r.starts_with("more text after the end of the JSON document at line 2 column 1 (\"{\\\"b\\\": 2}\")"),
        "{r}"
    );
    let (_, r) = reason("{\"a\": [1, 2,]}");
    assert!(r.starts_with("a comma before a closing bracket at line 1 column 12"), "{r}");
    let (line, r) = reason("{\n \"a\": 1,\n}");
    assert_eq!(line, 3, "serde_json's line: where the bracket is");
    assert!(r.starts_with("a comma before a closing bracket at line 2 column 8"), "{r}");
    let (_, r) = reason("{\"a\": \"x\\qy\"}");
    assert!(r.starts_with("invalid escape sequence in a JSON string at line 1 column 10 (invalid escape)"), "{r}");
    let (_, r) = reason("{\"a\": -x}");
    assert!(r.starts_with("invalid number at line 1 column"), "{r}");
    let (_, r) = reason("{\"a\": 1 \"b\": 2}");
    assert!(r.starts_with("invalid JSON at line 1 column 9 (expected `,` or `}`)"), "{r}");
    assert!(!r.contains("truncated"), "{r}");
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let root = parse_root(&deep).expect("deep but valid JSON");
    assert_eq!(shape(root), Shape::Array);
    let h = Head::scan(&deep).unwrap();
    assert_eq!(h.root(), Some(HeadKind::Array));
}

#[test]
fn placeholders_and_percent_decoding() {
    assert!(is_placeholder("authenticationType", "authenticationType-value"));
    assert!(!is_placeholder("authenticationType", "Managed"));
    assert_eq!(percent_decode("contoso%2Ecom%27"), "contoso.com'");
    assert_eq!(percent_decode("100%"), "100%");
}

#[test]
fn head_scan_paths() {
    let t = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"id":"1","userPrincipalName":"a@contoso.com"},{"id":"2","other":1}]}"#;
    let h = Head::scan(t).unwrap();
    assert_eq!(h.root(), Some(HeadKind::Object));
    assert_eq!(h.text("@odata.context"), Some("https://graph.microsoft.com/v1.0/$metadata#users"));
    assert_eq!(h.keys("value/[]"), vec!["id", "userPrincipalName"]);
    assert!(h.has_all("value/[]", &["ID", "userprincipalname"]));
    assert!(!h.has_any("value/[]", &["other"]));
    let h = Head::scan("[\"a\", \"b\"]").unwrap();
    assert_eq!(h.kind("[]"), Some(HeadKind::String));
    assert!(Head::scan("hello").is_none());
}

/// The serde_json split that the direct splitters stand in for: what `object` must agree with.
fn serde_members(text: &str) -> Vec<(String, String)> {
    let o: RawObject<'_> = serde_json::from_str(text).unwrap();
    o.fields.iter().map(|(k, r)| (k.to_string(), r.get().to_string())).collect()
}

#[test]
fn splitting_a_validated_object_or_array_agrees_with_serde_json() {
    let objects = [
        "{}",
        "{ }",
        "{\n  \"a\" : 1 ,\n  \"b\":\"x\"\r\n}",
        r#"{"s":"quote \" and backslash \\ and \\\" and \u00e9","n":-1.5e+3,"t":true,"f":false,"z":null}"#,
        r#"{"nested":{"a":[1,{"b":"]}"},[]],"c":"{"},"arr":["x","y\\",""],"e":{},"ea":[]}"#,
        r#"{"k\"ey":1,"k\u0041":"v","é":"ü","":""}"#,
        r#"{"dup":1,"dup":2}"#,
        "{\"tab\"\t:\t[ 1 ,\t2 ]\t}",
    ];
    for text in objects {
        let raw: &Raw = serde_json::from_str(text).unwrap();
        // The direct split itself (not its serde_json fallback) gives what serde_json gives.
        let direct = split_members(raw.get()).unwrap_or_else(|| panic!("{text}: not split"));
        let ours: Vec<(String, String)> =
            direct.fields.iter().map(|(k, v)| (k.to_string(), v.get().to_string())).collect();
        assert_eq!(ours, serde_members(text), "{text}");
        assert_eq!(object(raw).unwrap().fields.len(), ours.len());
    }
    let arrays = ["[]", "[ ]", "[1, \"a]\", {\"b\": [2]}, [], null ,true]", "[\n\"x\\\"\"\n]"];
    for text in arrays {
        let raw: &Raw = serde_json::from_str(text).unwrap();
        let direct = split_elements(raw.get()).unwrap_or_else(|| panic!("{text}: not split"));
        let ours: Vec<String> = direct.iter().map(|v| v.get().to_string()).collect();
        let theirs: Vec<String> = serde_json::from_str::<Vec<&serde_json::value::RawValue>>(text)
            .unwrap()
            .iter()
            .map(|v| v.get().to_string())
            .collect();
        assert_eq!(ours, theirs, "{text}");
    }
}

/// What the general path makes of a page: `None` when serde_json refuses the text or it is no
/// object whose first `value` member is an array; else the other top-level members, and each
/// element with its members when it is an object.
type Split = (Vec<(String, String)>, Vec<(String, Option<Vec<(String, String)>>)>);

fn pairs(o: &RawObject<'_>) -> Vec<(String, String)> {
    o.fields.iter().map(|(k, v)| (k.to_string(), v.get().to_string())).collect()
}

fn general_split(text: &str) -> Option<Split> {
    let root = parse_root(text).ok()?;
    let mut top = object(root)?;
    let at = top.fields.iter().position(|(k, _)| k == "value")?;
    let (_, value) = top.fields.remove(at);
    let items = array(value)?;
    let items = items.iter().map(|raw| (raw.get().to_string(), object(raw).map(|o| pairs(&o)))).collect();
    Some((pairs(&top), items))
}

fn scan_split(text: &str, max_depth: usize) -> Option<Split> {
    let page = ScannedPage::scan(text, max_depth)?;
    let items = (0..page.len()).map(|i| (page.raw(i).get().to_string(), page.object(i).map(|o| pairs(&o)))).collect();
    Some((pairs(&page.top), items))
}

/// Valid pages covering every kind of JSON token, escapes, white space and odd shapes.
const PAGES: &[&str] = &[
    r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"id":"1","upn":"a@contoso.com","n":[1,-0.5,2e10,3E-2,0,-0],"t":true,"f":false,"z":null}]}"#,
    "{\n  \"value\" : [\n    { \"a\" : \"x\" } ,\r\n\t{\"b\":[ ]}, {}, { }\n  ] ,\n \"@odata.nextLink\":\"https://x/?$skiptoken=1\"\n}\n",
    r#"{"value":[]}"#,
    r#"{"value":[ ]}"#,
    r#"{"a":{"value":[1]},"value":[1,"s",null,[],{},[{"k":"v"}],true]}"#,
    r#"{"value":[{"s":"quote \" back \\ slash \/ \b\f\n\r\t \u00e9 \uD83D\uDE00 \ud800","k\"ey":1,"k\u0041":2,"é":"ü","":""}]}"#,
    r#"{"valu\u0065":[{"a":1}],"value":[{"b":2}]}"#,
    r#"{"value":[{"a":1}],"value":{"b":2}}"#,
    r#"{"value":[{"dup":1,"dup":2,"nested":{"a":[1,{"b":"]}"},[]],"c":"{"}}]}"#,
    r#"{"value":[{"long":"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz","x":"1234567"}]}"#,
];

/// Pages the general path refuses or reads as no page.
const NOT_PAGES: &[&str] = &[
    "",
    "[]",
    r#"{"value":{"a":1}}"#,
    r#"{"value":null}"#,
    r#"{"values":[]}"#,
    r#"{"value":[1,]}"#,
    r#"{"value":[{"a":1,}]}"#,
    r#"{"value":[{"a" 1}]}"#,
    r#"{"value":[{"a":01}]}"#,
    r#"{"value":[{"a":1.}]}"#,
    r#"{"value":[{"a":.5}]}"#,
    r#"{"value":[{"a":1e}]}"#,
    r#"{"value":[{"a":+1}]}"#,
    r#"{"value":[{"a":tru}]}"#,
    r#"{"value":[{"a":"\x"}]}"#,
    r#"{"value":[{"a":"\u12G4"}]}"#,
    "{\"value\":[{\"a\":\"tab\there\"}]}",
    "{\"value\":[{\"a\":\"nul\u{0}\"}]}",
    r#"{"value":[{"a":1}]} x"#,
    r#"{"value":[{"a":1}]}{}"#,
    r#"{"value":[{"a":"open}]}"#,
    r#"{"value":[{"\ud800":1}]}"#,
    r#"{"value":[{1:2}]}"#,
];

#[test]
fn scan_agrees_with_serde_json() {
    for text in PAGES {
        let general = general_split(text).unwrap_or_else(|| panic!("not a page: {text}"));
        assert_eq!(scan_split(text, 0), Some(general), "{text}");
    }
    for text in NOT_PAGES {
        // The key with a lone surrogate is valid JSON whose element is not an object to either path.
        let general = general_split(text);
        assert_eq!(scan_split(text, 0), general, "{text}");
    }
    // Mutations of the valid pages: every byte deleted, and bytes that matter to JSON inserted or
    // written over, at positions from a fixed pseudo-random sequence. Either path must accept
    // exactly what the other does, and split it alike.
    let inserts: &[u8] = b"\"\\{}[],: 0-.eE+u\x01\tatfn9/";
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let (mut tried, mut accepted) = (0, 0);
    for text in PAGES {
        let b = text.as_bytes();
        let mut variants: Vec<Vec<u8>> = (0..b.len()).map(|i| [&b[..i], &b[i + 1..]].concat()).collect();
        for _ in 0..1500 {
            let (at, c) = (next(b.len() + 1), inserts[next(inserts.len())]);
            variants.push([&b[..at], &[c], &b[at..]].concat());
            let at = next(b.len());
            let mut v = b.to_vec();
            v[at] = c;
            variants.push(v);
        }
        for v in variants {
            let Ok(t) = std::str::from_utf8(&v) else { continue };
            tried += 1;
            let general = general_split(t);
            accepted += usize::from(general.is_some());
            assert_eq!(scan_split(t, 0), general, "{t}");
        }
    }
    assert!(tried > 20_000 && accepted > 1_000, "{tried} variants, {accepted} valid pages");
}

#[test]
fn scan_holds_the_depth_limit_as_the_depth_check_does() {
    // Depth 1 is the page, 2 its `value`, 3 an element.
    let nested = |levels: usize| format!("{{\"value\":[{}{}]}}", "[".repeat(levels), "]".repeat(levels));
    for max in [2usize, 3, 5, 64, 127] {
        for levels in [max.saturating_sub(3), max - 2, max - 1, max] {
            let text = nested(levels);
            let within = crate::ingest::check_json_depth(&text, max).is_ok();
            assert_eq!(ScannedPage::scan(&text, max).is_some(), within, "max {max}, {} levels", levels + 2);
        }
    }
    // No limit given: the scan (which recurses) stops at 127 levels and leaves deeper pages to the
    // general path, which skips nested values iteratively.
    assert!(ScannedPage::scan(&nested(125), 0).is_some());
    assert!(ScannedPage::scan(&nested(126), 0).is_none());
    assert!(general_split(&nested(126)).is_some());
}

/// The plain UTC form is kept as written exactly when parsing and formatting it gives it back.
#[test]
fn plain_utc_dates_are_kept_as_the_parser_would_write_them() {
    use time::format_description::well_known::Rfc3339;
    let general = |s: &str| {
        time::OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .and_then(|d| d.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
    };
    let mut plain = 0;
    for year in [0, 1, 1600, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999] {
        for month in 0..=13 {
            for day in 0..=32 {
                for (h, m, sec) in [(0, 0, 0), (23, 59, 59), (24, 0, 0), (12, 60, 0), (12, 0, 60), (23, 59, 60)] {
                    let s = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{sec:02}Z");
                    let fast = is_plain_utc_second(&s);
                    plain += usize::from(fast);
                    if fast {
                        assert_eq!(general(&s).as_deref(), Some(s.as_str()), "{s}");
                    } else {
                        assert_ne!(general(&s).as_deref(), Some(s.as_str()), "{s}: plain but not taken as such");
                    }
                    assert_eq!(normalize_date(&s), general(&s), "{s}");
                }
            }
        }
    }
    assert!(plain > 3_000, "{plain}");
    for s in ["2021-08-02t10:30:06Z", "2021-08-02T10:30:06z", "2021-8-02T10:30:06Z", "2021-08-02T10:30:06+00:00"] {
        assert!(!is_plain_utc_second(s), "{s}");
    }
}

/// Inside [`reuse_page_tables`] each page is scanned into the tables the page before it used: every
/// page, valid or refused, big or small, splits exactly as it does alone, in any order.
#[test]
fn reused_page_tables_split_each_page_as_alone() {
    let big = format!(
        r#"{{"value":[{}]}}"#,
        (0..500)
            .map(|i| format!(r#"{{"id":"{i}","upn":"u{i}@contoso.com","n":[{i}],"o":{{"k":"v"}}}}"#))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut texts: Vec<&str> = vec![&big];
    texts.extend(PAGES);
    texts.extend(NOT_PAGES);
    texts.push(&big);
    texts.extend(PAGES.iter().rev());
    let alone: Vec<Option<Split>> = texts.iter().map(|t| scan_split(t, 0)).collect();
    let reused: Vec<Option<Split>> = reuse_page_tables(|| texts.iter().map(|t| scan_split(t, 0)).collect());
    assert_eq!(reused, alone);
    assert!(reused.iter().filter(|s| s.is_some()).count() > PAGES.len());
    // The big page's tables were handed on: the next page started with their room.
    reuse_page_tables(|| {
        drop(ScannedPage::scan(&big, 0));
        let small = ScannedPage::scan(PAGES[0], 0).expect("a valid page");
        assert!(small.member_room() >= 500 * 4, "{}", small.member_room());
    });
    // Outside, nothing is kept for the next page.
    drop(ScannedPage::scan(&big, 0));
    assert!(ScannedPage::scan(PAGES[0], 0).expect("a valid page").member_room() < 100);
}

/// Member keys for the generated records of the key tests: keys sharing a length and their last
/// bytes, case variants, short, empty and non-ASCII keys.
const KEY_POOL: [&str; 20] = [
    "id",
    "ID",
    "Id",
    "mail",
    "Mail",
    "MAIL",
    "userPrincipalName",
    "UserPrincipalName",
    "xserPrincipalName",
    "onPremisesImmutableId",
    "anPremisesImmutableId",
    "surname",
    "givenName",
    "proxyAddresses",
    "é",
    "É",
    "",
    "a",
    "A",
    "ab",
];

#[test]
fn duplicate_key_is_the_first_key_written_twice_as_by_comparing_every_pair() {
    use std::borrow::Cow;
    // Keys sharing a length and their last seven bytes (one word), exact repeats, and case variants
    // (not duplicates: the comparison is exact), at every position of objects up to 40 keys long.
    let pool = KEY_POOL;
    let pairwise = |keys: &[&str]| -> Option<String> {
        (1..keys.len()).find(|&i| keys[..i].contains(&keys[i])).map(|i| keys[i].to_string())
    };
    let mut rng = crate::generate::random::Rng::new(21, 0, 0);
    let mut next = || rng.next();
    let mut found = 0;
    for round in 0..4000 {
        let len = (round % 41) as usize;
        let keys: Vec<&str> = (0..len).map(|_| pool[(next() % pool.len() as u64) as usize]).collect();
        let obj = RawObject { fields: keys.iter().map(|k| (Cow::Borrowed(*k), raw::Raw::part("1"))).collect() };
        let got = record::duplicate_key(&obj).map(str::to_string);
        assert_eq!(got, pairwise(&keys), "{keys:?}");
        found += usize::from(got.is_some());
    }
    assert!(found > 1000, "the cases include duplicates ({found})");
    // 32 distinct keys (the table's largest case) and none repeated.
    let many: Vec<String> = (0..32).map(|i| format!("key{i:02}")).collect();
    let obj = RawObject { fields: many.iter().map(|k| (Cow::Borrowed(k.as_str()), raw::Raw::part("1"))).collect() };
    assert_eq!(record::duplicate_key(&obj), None);
}

#[test]
fn a_records_key_index_finds_what_the_member_walk_finds() {
    use std::borrow::Cow;
    // Case variants (the first exact match wins, else the first case-insensitive one), keys sharing a
    // length and last four bytes, exact repeats, short and non-ASCII keys, at every position, in
    // records of up to 70 members (past the index's 64: then the walk itself).
    let pool = KEY_POOL;
    let absent = ["zz", "MAIl", "surnamE", "proxyaddresses", "onPremisesSyncEnabled", "b"];
    let values: Vec<String> = (0..80).map(|i| i.to_string()).collect();
    let mut rng = crate::generate::random::Rng::new(22, 0, 0);
    let mut next = || rng.next();
    let (mut folded_hits, mut dups) = (0, 0);
    for round in 0..3000 {
        let len = (round % 71) as usize;
        let keys: Vec<&str> = (0..len).map(|_| pool[(next() % pool.len() as u64) as usize]).collect();
        let obj = RawObject {
            fields: keys.iter().zip(&values).map(|(k, v)| (Cow::Borrowed(*k), raw::Raw::part(v))).collect(),
        };
        let want_dup = record::duplicate_key(&obj).map(str::to_string);
        let rec = record::Rec::new(obj.clone(), 1);
        assert_eq!(rec.duplicate_key().map(str::to_string), want_dup, "{keys:?}");
        dups += usize::from(want_dup.is_some());
        for key in pool.iter().chain(&absent) {
            let want = obj.get(key).map(raw::Raw::get);
            assert_eq!(rec.raw(&[key]).map(raw::Raw::get), want, "{key:?} in {keys:?}");
            folded_hits += usize::from(want.is_some() && !keys.contains(key));
        }
    }
    assert!(folded_hits > 1000 && dups > 1000, "case-insensitive matches {folded_hits}, duplicates {dups}");
}
