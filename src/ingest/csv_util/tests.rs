//! Tests of the CSV helpers.

mod json_is_not_csv {
    use super::super::sniff_header;
    #[test]
    fn compact_json_and_xml_are_not_csv_headers() {
        let compact = r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"OnPremisesImmutableId":"x","userPrincipalName":"a@contoso.com","id":"1"}]}"#;
        assert!(sniff_header(compact).is_none());
        assert!(sniff_header("[{\"UserPrincipalName\":\"a\",\"ObjectId\":\"b\"}]").is_none());
        assert!(sniff_header("<root a=\"1,2\"/>").is_none());
        assert_eq!(crate::ingest::detect(compact).map(|(f, _)| f.name), Some("graph-json"));
    }
}

mod unit {
    use super::super::*;
    use crate::source::FileId;

    fn input(text: &str) -> Input<'_> {
        Input::new(FileId(0), text)
    }

    /// Reads all rows, returning (line, fields) pairs and the extract with its issues.
    fn read_all(text: &str) -> (Vec<(u32, Vec<String>)>, Extract) {
        let inp = input(text);
        let mut ex = Extract::default();
        let mut f = CsvFile::open(text).unwrap();
        let mut out = Vec::new();
        while f.next_row(&mut ex, &inp).unwrap() {
            let fields = (0..f.header.len()).map(|i| f.get(i).unwrap_or("").to_string()).collect();
            out.push((f.line(), fields));
        }
        (out, ex)
    }

    #[test]
    fn type_line_is_skipped_and_remembered() {
        let t = "#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\"Name\",\"SamAccountName\"\r\n\"Ann\",\"ann\"\r\n\"#hash\",\"x\"\r\n";
        let f = CsvFile::open(t).unwrap();
        assert_eq!(f.type_name.as_deref(), Some("Microsoft.ActiveDirectory.Management.ADUser"));
        assert_eq!(f.header_line, 2);
        let (rows, ex) = read_all(t);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], (3, vec!["Ann".to_string(), "ann".to_string()]));
        // A data row starting with `#` is data, not a comment.
        assert_eq!(rows[1], (4, vec!["#hash".to_string(), "x".to_string()]));
        assert!(ex.issues.is_empty());
    }

    #[test]
    fn delimiters_are_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter("\"a\";\"b\";\"c\""), b';');
        assert_eq!(sniff_delimiter("a,b;c,d"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("\"x;y\",b"), b',');
        assert_eq!(sniff_delimiter("single"), b',');
        let (rows, _) = read_all("Name;Mail\nAnn;ann@contoso.com\n");
        assert_eq!(rows[0].1, vec!["Ann", "ann@contoso.com"]);
        let (rows, _) = read_all("Name\tMail\nAnn\tann@contoso.com\n");
        assert_eq!(rows[0].1, vec!["Ann", "ann@contoso.com"]);
    }

    #[test]
    fn lines_count_multiline_fields_blank_lines_and_crlf() {
        let t = "#TYPE X\r\nName,Notes\r\nAnn,\"two\r\nlines\"\r\n\r\nBob,x\r\nCy,\"a\nb\nc\"\nDee,y";
        let (rows, ex) = read_all(t);
        let lines: Vec<u32> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![3, 6, 7, 10]);
        assert_eq!(rows[0].1[1], "two\r\nlines");
        assert!(ex.issues.is_empty());
    }

    #[test]
    fn wrong_field_count_is_an_issue_with_its_line() {
        let t = "Name,Mail\nAnn,a@contoso.com\nBob,b@contoso.com,extra\nCy\nDee,d@contoso.com\n";
        let (rows, ex) = read_all(t);
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(ex.issues.len(), 2);
        assert_eq!((ex.issues[0].code, ex.issues[0].at.line), (codes::UNREADABLE_RECORD, 3));
        assert!(ex.issues[0].message.contains("3 fields but the header has 2"), "{}", ex.issues[0].message);
        assert_eq!(ex.issues[1].at.line, 4);
    }

    #[test]
    fn many_bad_rows_are_summed_up() {
        let mut t = String::from("a,b\n");
        for _ in 0..25 {
            t.push_str("1,2,3\n");
        }
        let (_, ex) = read_all(&t);
        assert_eq!(ex.issues.len(), MAX_ROW_ISSUES + 1);
        assert!(ex.issues[MAX_ROW_ISSUES].message.starts_with("5 more rows"), "{}", ex.issues[20].message);
    }

    #[test]
    fn header_lookup_ignores_case_and_duplicates_fail() {
        let f = CsvFile::open("ObjectGUID,mail\n").unwrap();
        assert_eq!(f.header.find("objectguid"), Some(0));
        assert_eq!(f.header.find("MAIL"), Some(1));
        assert_eq!(f.header.find("sn"), None);
        let e = CsvFile::open("#TYPE X\nName,mail,NAME\n").err().unwrap();
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("column 1 `Name` and column 3 `NAME`"), "{}", e.reason);
    }

    #[test]
    fn quoted_and_unquoted_and_empty_fields() {
        let (rows, _) = read_all("\"a\",b,\"c\"\"q\",d\n\"x\",,\"\",\"y,z\"\n");
        assert_eq!(rows[0].1, vec!["x", "", "", "y,z"]);
    }

    #[test]
    fn sniff_header_reads_only_the_start() {
        let h = sniff_header("#TYPE Foo.Bar\n\"A\";\"B\"\n1;2\n").unwrap();
        assert_eq!(h.type_name, Some("Foo.Bar"));
        assert_eq!(h.delimiter, b';');
        assert_eq!(h.header.names(), &["A".to_string(), "B".to_string()]);
        assert_eq!(h.rest, "1;2\n");
        assert!(sniff_header("#TYPE Foo\n").is_none());
        assert!(sniff_header("").is_none());
        assert!(sniff_header("é€ab\n1").is_some());
    }

    #[test]
    fn header_lines_split_as_the_csv_crate_does() {
        for (line, d) in [
            ("a,b,c", b','),
            ("\"a\";\"b;c\";\"\"", b';'),
            ("\u{feff}\"Name\",\"Say \"\"hi\"\"\",x", b','),
            ("a\tb\t\t", b'\t'),
            ("a,b\rc,d", b','),
            ("\"unterminated,b", b','),
            ("é€,ab", b','),
            (",", b','),
        ] {
            let mut rdr =
                csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(d).from_reader(line.as_bytes());
            let mut rec = csv::StringRecord::new();
            let want = rdr.read_record(&mut rec).unwrap().then(|| rec.iter().map(str::to_string).collect::<Vec<_>>());
            assert_eq!(split_header_line(line, d), want, "{line:?}");
            // The cached parser is reset between uses.
            assert_eq!(split_header_line(line, d), want, "{line:?} again");
        }
    }

    #[test]
    fn records_split_as_the_csv_crate_does() {
        // Plain records (read without csv-core) mixed with every kind it must still read: doubled quotes,
        // text after a closing quote, a quote inside an unquoted field, an unterminated quote, bare CRs.
        let texts = [
            "\"a\",\"b\"\r\n\"multi\nline\",x\r\n\r\n\n1,\"say \"\"hi\"\"\"\r\nshort\nä,ö,ü\n\"open,quote\nlast",
            "a,b,\n,\n\"\",\"\"\n\"x\"y,z\nab\"c,d\n\"q\r\nr\",s\r\"t\",u\r\r\nend,",
            "\"a\",\"b\"\n\"c\",\"d\"\n\"e\"\"\",f\n\"g\",\"h\"",
            "",
            "\r\n\n",
            "x",
            "\"unterminated",
            "a;b;\"c;d\"\n1;2;3\n",
        ];
        for text in texts {
            let d = if text.contains(';') { b';' } else { b',' };
            let mut rdr =
                csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(d).from_reader(text.as_bytes());
            let want: Vec<Vec<String>> =
                rdr.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
            let mut tok = Tokenizer::new(d);
            let (mut pos, mut got) = (0, Vec::new());
            while tok.next_record(text, &mut pos).unwrap() {
                got.push(tok.fields().map(str::to_string).collect::<Vec<_>>());
            }
            assert_eq!(got, want, "{text:?}");
            assert_eq!(pos, text.len(), "{text:?}");
        }
        // Records longer than the initial buffers.
        let long = format!("{},{}\n", "x".repeat(5000), vec!["y"; 300].join(","));
        let mut tok = Tokenizer::new(b',');
        let mut pos = 0;
        assert!(tok.next_record(&long, &mut pos).unwrap());
        assert_eq!((tok.len(), tok.field(0).map(str::len), tok.field(300)), (301, Some(5000), Some("y")));
    }

    #[test]
    fn type_names_are_recognised() {
        for v in [
            "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
            "System.String[]",
            "System.Byte[]",
            "System.Object[]",
            "System.Guid[]",
            "System.Collections.Generic.List`1[System.String]",
            "System.Collections.Generic.List`1[Microsoft.Online.Administration.UserLicense]",
            "System.Collections.Hashtable+KeyCollection",
            "Microsoft.ActiveDirectory.Management.ADObject",
            "System.Runtime.Serialization.ExtensionDataObject",
        ] {
            assert!(is_type_name(v), "{v}");
        }
        for v in ["System.Backup", "ann@contoso.com", "System", "System. Admin team", "Microsoft Teams", ""] {
            assert!(!is_type_name(v), "{v}");
        }
    }

    #[test]
    fn address_type_is_found_as_by_searching_the_whole_value() {
        // The first `:` anywhere in the value, as before the search stopped at 11 bytes.
        let whole = |s: &str| {
            s.find(':').is_some_and(|c| (2..=10).contains(&c) && s[..c].bytes().all(|b| b.is_ascii_alphanumeric()))
        };
        let heads = ["", "s", "sm", "SMTP", "x500", "abcdefghij", "abcdefghijk", "ab cd", "a-b", "é", "smtpé", "12"];
        let tails = ["", ":", ":x", "::", "x:y", " :a@b.c", ":a:b", "ü:z", ";smtp:a@b.c", "0123456789:q"];
        for h in heads {
            for t in tails {
                let v = format!("{h}{t}");
                assert_eq!(starts_with_address_type(&v), whole(&v), "{v:?}");
            }
        }
        assert!(is_type_name("  System.Byte[] "), "trimmed before the first byte is looked at");
        assert!(!is_type_name("s.String[]") && !is_type_name("m.X.Y"));
    }

    #[test]
    fn proxy_addresses_split_as_by_testing_every_byte() {
        // The splitter as it was before separators were found with memchr: every byte tested.
        fn bytewise(value: &str) -> Vec<String> {
            let v = value.trim();
            if v.is_empty() {
                return Vec::new();
            }
            let is_sep = |c: char| matches!(c, ';' | ',' | ' ' | '\t' | '\r' | '\n');
            if !starts_with_address_type(v) {
                return v.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
            }
            let (mut out, mut start, mut i, bytes) = (Vec::new(), 0, 0, v.as_bytes());
            while i < bytes.len() {
                if is_sep(bytes[i] as char) {
                    let mut j = i;
                    while j < bytes.len() && is_sep(bytes[j] as char) {
                        j += 1;
                    }
                    if j < bytes.len() && starts_with_address_type(&v[j..]) {
                        let part = v[start..i].trim();
                        if !part.is_empty() {
                            out.push(part.to_string());
                        }
                        start = j;
                    }
                    i = j;
                } else {
                    i += 1;
                }
            }
            let last = v[start..].trim_end_matches(is_sep).trim();
            if !last.is_empty() {
                out.push(last.to_string());
            }
            out
        }
        let pieces = [
            "SMTP:",
            "smtp:",
            "X500:",
            "x400:",
            "sip:",
            "ann@contoso.com",
            "b@fabrikam.com",
            ";",
            ",",
            " ",
            "\t",
            "\r\n",
            "\n",
            "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)",
            "C=US;A= ;P=Contoso",
            ":",
            "é",
            "a:b",
            "  ",
            ";;",
        ];
        let mut rng = crate::generate::random::Rng::new(21, 0, 0);
        let mut next = || rng.next();
        let mut splits = 0;
        for round in 0..5000 {
            let n = 1 + round % 9;
            let value: String = (0..n).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
            let got: Vec<String> = split_proxy_addresses(&value).iter().map(|t| t.as_str().to_string()).collect();
            let want = bytewise(&value);
            splits += usize::from(want.len() > 1);
            assert_eq!(got, want, "{value:?}");
        }
        assert!(splits > 500, "the cases include values split in several addresses ({splits})");
    }

    #[test]
    fn proxy_addresses_split_on_any_join() {
        let want = vec!["SMTP:ann@contoso.com".to_string(), "smtp:ann@fabrikam.com".to_string()];
        assert_eq!(split_proxy_addresses("SMTP:ann@contoso.com;smtp:ann@fabrikam.com"), want);
        assert_eq!(split_proxy_addresses("SMTP:ann@contoso.com smtp:ann@fabrikam.com"), want);
        assert_eq!(split_proxy_addresses("SMTP:ann@contoso.com, smtp:ann@fabrikam.com"), want);
        assert_eq!(split_proxy_addresses("SMTP:ann@contoso.com\r\nsmtp:ann@fabrikam.com\r\n"), want);
        let x = split_proxy_addresses(
            "X400:C=US;A= ;P=Contoso;O=Exchange;S=Lee;G=Ann; X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=ann;SMTP:ann@contoso.com",
        );
        assert_eq!(
            x,
            vec![
                "X400:C=US;A= ;P=Contoso;O=Exchange;S=Lee;G=Ann",
                "X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=ann",
                "SMTP:ann@contoso.com"
            ]
        );
        assert!(split_proxy_addresses("  ").is_empty());
        assert_eq!(split_proxy_addresses("ann@contoso.com;bob@contoso.com").len(), 2);
    }

    #[test]
    fn binary_forms_decode_to_ad_bytes() {
        let g = Guid::parse("35918bc9-196d-40ea-9779-889d79b753f0").unwrap();
        let want = g.to_ad_bytes().to_vec();
        assert_eq!(parse_binary("35918bc9-196d-40ea-9779-889d79b753f0"), Some(want.clone()));
        assert_eq!(parse_binary("{35918BC9-196D-40EA-9779-889D79B753F0}"), Some(want.clone()));
        assert_eq!(parse_binary("yYuRNW0Z6kCXeYidebdT8A=="), Some(want.clone()));
        assert_eq!(parse_binary("C98B91356D19EA409779889D79B753F0"), Some(want.clone()));
        assert_eq!(parse_binary("C9 8B 91 35 6D 19 EA 40 97 79 88 9D 79 B7 53 F0"), Some(want.clone()));
        assert_eq!(parse_binary("X'c98b91356d19ea409779889d79b753f0'"), Some(want.clone()));
        let dec = want.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(" ");
        assert_eq!(parse_binary(&dec), Some(want));
        assert_eq!(parse_binary("not-a-guid"), None);
        assert_eq!(parse_binary("%%%"), None);
        assert_eq!(parse_binary("1 2 300"), None);
    }

    #[test]
    fn sids_and_times() {
        let sid = [
            1u8, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0x39, 0x30, 0, 0, 0x31, 0xD4, 0, 0, 0x0C, 0x9A, 0x4A, 0x00, 0xE9, 3,
            0, 0,
        ];
        assert_eq!(sid_to_string(&sid).as_deref(), Some("S-1-5-21-12345-54321-4889100-1001"));
        assert_eq!(sid_to_string(&sid[..10]), None);
        assert!(is_sid_text("S-1-5-21-1-2-3-500"));
        assert!(!is_sid_text("S-1-x"));
        assert_eq!(normalize_time("20240115102345.0Z"), "2024-01-15T10:23:45Z");
        assert_eq!(normalize_time("2024-01-15 10:23:45"), "2024-01-15T10:23:45");
        assert_eq!(normalize_time("1/2/2024 10:23:45 AM"), "1/2/2024 10:23:45 AM");
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }
}
