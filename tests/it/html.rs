//! The HTML report in a real headless Chromium, driven over WebDriver (chromedriver) with a small HTTP
//! client on `std::net`: no console errors, filters and search change the visible rows, hostile
//! directory text stays inert, and a screenshot is saved to `target/report-screenshot.png`. The print
//! layout: Chromium's `--print-to-pdf`, `pdftoppm` for the page size and count, `pdftotext` for a
//! first page that holds the whole cover, and the layout metrics of the print media at the printed
//! page's width (no element runs off the page).
//!
//! Needs the Debian packages `chromium`, `chromium-driver` and `poppler-utils` (`.ci/run` installs them). Without them
//! the browser tests fail when `CI=true` on Linux and are skipped with a message otherwise (macOS and
//! Windows CI run `cargo test` alone).
//!
//! Also here: `--pseudonymize` leaves no UPN or mail address of the sample in any output format.

use crate::util::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HOSTILE_FILE: &str = "\"><img src=x onerror=alert(1)>.csv";

fn which(name: &str) -> Option<PathBuf> {
    let exe = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(&exe)).find(|p| p.is_file())
}

/// chromedriver and the browser binary, or None (after failing under CI, or printing why locally).
fn browser() -> Option<(PathBuf, PathBuf)> {
    let driver = which("chromedriver");
    let chrome = ["/usr/lib/chromium/chromium", "/usr/lib/chromium-browser/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| which("chromium"))
        .or_else(|| which("google-chrome"));
    match (driver, chrome) {
        (Some(d), Some(c)) => Some((d, c)),
        _ => {
            let msg = "chromium and chromedriver are needed (apt-get install chromium chromium-driver)";
            if required_here() {
                panic!("{msg}, and CI=true on Linux: the browser test must run in CI");
            }
            eprintln!("skipping: {msg}");
            None
        }
    }
}

/// A running chromedriver with one browser session; both end when it is dropped.
struct Driver {
    child: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )?;
    // chromedriver keeps connections open: read the head, then exactly Content-Length bytes.
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            break raw.len();
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let length =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(len) => {
            while raw.len() < head_end + len {
                let n = s.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
            }
        }
        None => {
            s.read_to_end(&mut raw)?;
        }
    }
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let text = String::from_utf8_lossy(&raw[head_end..]);
    let body = if head.contains("transfer-encoding: chunked") { dechunk(&text) } else { text.into_owned() };
    Ok((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

impl Driver {
    fn start(driver: &Path, chrome: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !matches!(http(port, "GET", "/status", None), Ok((200, _))) {
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         format!("--user-data-dir={}", profile.path().display()), "--window-size=1280,1600"]
            },
            "goog:loggingPrefs": {"browser": "ALL"},
            "unhandledPromptBehavior": "ignore"
        }}});
        let mut d = Driver { child, port, session: String::new(), _profile: profile };
        let v = d.call("POST", "/session", Some(&caps));
        d.session = v["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        d
    }

    /// A WebDriver command; panics on an error reply.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, v) = http(self.port, method, path, body).expect("talk to chromedriver");
        assert!(status == 200, "{method} {path} → {status}: {v}");
        v["value"].clone()
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body.as_ref())
    }

    fn js(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    fn open(&self, file: &Path) {
        self.cmd("POST", "/url", Some(json!({"url": format!("file://{}", file.display())})));
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.js("return document.documentElement.getAttribute('data-ready')") != "1" {
            assert!(Instant::now() < deadline, "the page's script never finished: {}", self.errors());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        v.as_object().and_then(|o| o.values().next()).and_then(|x| x.as_str()).expect("element id").to_string()
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/clear"), Some(json!({})));
        if !text.is_empty() {
            self.cmd("POST", &format!("/element/{id}/value"), Some(json!({"text": text})));
        }
    }

    fn rows(&self) -> Vec<String> {
        let v = self
            .js("return Array.from(document.querySelectorAll('#findings-body tr.finding')).map(r => r.textContent)");
        v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
    }

    /// JS errors and CSP violations the page recorded, plus SEVERE browser console entries.
    fn errors(&self) -> String {
        let mut out =
            self.js("return document.getElementById('js-errors').textContent").as_str().unwrap_or("").to_string();
        let (status, v) =
            http(self.port, "POST", &format!("/session/{}/se/log", self.session), Some(&json!({"type": "browser"})))
                .expect("read the browser log");
        assert_eq!(status, 200, "chromedriver serves the browser console log: {v}");
        for e in v["value"].as_array().into_iter().flatten() {
            if e["level"] == "SEVERE" {
                out.push_str(&format!("console: {}\n", e["message"]));
            }
        }
        out
    }

    /// A Chrome DevTools Protocol command (chromedriver's `goog/cdp/execute`).
    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.cmd("POST", "/goog/cdp/execute", Some(json!({"cmd": cmd, "params": params})))
    }

    fn screenshot(&self, to: &Path) {
        use base64::Engine;
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, png).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(self.port, "DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Scans `paths` into `out` with the given extra arguments; asserts a completed run.
fn scan(paths: &[&Path], out: &Path, extra: &[&str]) {
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = tenantlint(&refs);
    assert_code(&r, 0);
}

/// The hostile estate in a temp folder, with one export also under a hostile file name.
fn hostile_estate(root: &Path) -> PathBuf {
    let src = crate_root().join("tests/fixtures/hostile");
    let dst = root.join("hostile");
    for rel in ["ad/users.csv", "tenant/organization.json", "tenant/users.json"] {
        std::fs::create_dir_all(dst.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(src.join(rel), dst.join(rel)).unwrap();
    }
    std::fs::copy(src.join("ad/users.csv"), dst.join("ad").join(HOSTILE_FILE)).unwrap();
    dst
}

#[test]
fn html_report_works_in_headless_chromium() {
    let Some((driver, chrome)) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let sample_out = tmp.path().join("sample");
    scan(
        &[Path::new("samples/contoso-merger")], // relative: the screenshot shows paths as a user would see them
        &sample_out,
        &[
            "--format",
            "json,html",
            "--title",
            "Merger readiness review",
            "--client",
            "Contoso Ltd",
            "--author",
            "A. Consultant",
        ],
    );
    let d = Driver::start(&driver, &chrome);

    // The sample: every finding listed, filters and search narrow the rows, details expand.
    d.open(&sample_out.join("report.html"));
    let report = read_report(&sample_out);
    // One row per top-level finding: consequences are shown inside their cause.
    let top: Vec<&Value> = report["findings"].as_array().unwrap().iter().filter(|f| f["caused_by"].is_null()).collect();
    let total = top.len();
    assert!(total >= 3, "the sample has findings to filter");
    assert!(total < report["findings"].as_array().unwrap().len(), "the sample folds consequences");
    // The page renders 100 rows at a time; the count line names them all.
    let page = total.min(100);
    assert_eq!(d.rows().len(), page);
    let shown = d.js("return document.getElementById('shown-count').textContent");
    assert_eq!(shown.as_str().unwrap(), format!("{total} of {total} finding(s) match"));
    d.click("#f-severity option[value='low']");
    let low = top.iter().filter(|f| f["severity"] == "low").count();
    assert!(low > 0 && low < total);
    assert_eq!(d.rows().len(), low, "severity filter");
    assert!(d.rows().iter().all(|r| r.starts_with("low")));
    d.click("#f-severity option[value='']");
    d.type_into("#f-search", "nextlink");
    let rows = d.rows();
    assert_eq!(rows.len(), 1, "search: {rows:?}");
    assert!(rows[0].contains("@odata.nextLink"));
    d.type_into("#f-search", "");
    assert_eq!(d.rows().len(), page);
    d.click("#f-tenant option[value='Fabrikam']");
    let fab = d.rows();
    assert!(
        !fab.is_empty() && fab.len() < total && fab.iter().all(|r| r.contains("fabrikam")),
        "tenant filter: {fab:?}"
    );
    d.click("#f-tenant option[value='']");
    d.click("#f-forest option[value='corp.contoso.com']");
    let corp = d.rows();
    // Findings about the forest's objects (their primary subject may be a cloud twin); none about the other forest.
    assert!(
        !corp.is_empty() && corp.len() < total && corp.iter().all(|r| !r.contains("ad/fabrikam/")),
        "forest filter: {corp:?}"
    );
    d.click("#f-forest option[value='']");
    d.click("#f-category option[value='duplicates']");
    let dups = d.rows();
    assert!(
        !dups.is_empty() && dups.len() < total && dups.iter().all(|r| r.contains("DU0")),
        "category filter: {dups:?}"
    );
    d.click("#f-category option[value='']");
    // Harriet Nwosu's GUID-text anchor: one row, its failed soft match and address conflict inside it.
    d.type_into("#f-search", "Harriet Nwosu");
    let rows = d.rows();
    assert_eq!(rows.len(), 1, "one top-level finding names her: {rows:?}");
    assert!(rows[0].contains("AN002") && rows[0].contains("+2 consequence(s)"), "{rows:?}");
    d.click("#findings-body tr.finding");
    // Clicked straight from the search box: the click must open the row (the box's blur must not re-render).
    let detail =
        d.js("var x = document.querySelector('#findings-body tr.detail'); return x ? x.textContent : 'no detail row'");
    let detail = detail.as_str().unwrap();
    assert!(
        detail.contains("What else this causes (2)") && detail.contains("DU002") && detail.contains("SY003"),
        "{detail}"
    );
    d.click("#findings-body tr.finding");
    d.type_into("#f-search", "");
    let folded = d.js("return document.getElementById('folded-count').textContent");
    assert!(folded.as_str().unwrap().contains(&format!("+{} folded", report["summary"]["folded"])), "{folded}");
    d.click("#findings-body tr.finding");
    let detail = d.js("return document.querySelector('#findings-body tr.detail').textContent");
    let detail = detail.as_str().unwrap();
    assert!(detail.contains("Subjects") && detail.contains("Remediation"), "{detail}");
    assert!(!detail.contains("ingerprint"), "no CI terms without a policy or a baseline: {detail}");
    let svg_nodes = d.js("return document.querySelectorAll('svg.estate-map g.node').length").as_u64().unwrap();
    assert!(svg_nodes >= 5, "the estate map draws forests, tenants and domains");
    assert_eq!(d.errors(), "", "no errors in the console");
    d.click("#findings-body tr.finding"); // collapse again for a tidy picture
    d.js("window.scrollTo(0, 0); return null");
    d.screenshot(&crate_root().join("target/report-screenshot.png"));

    // Hostile text: shown as text, never executed.
    let root = tmp.path().join("estate");
    let hostile = hostile_estate(&root);
    let hostile_out = tmp.path().join("hostile-out");
    let title = "<script>window.__pwned=1</script><img src=x onerror=\"document.title='pwned'\">";
    scan(&[&hostile], &hostile_out, &["--format", "html", "--title", title, "--client", "\"><svg onload=alert(1)>"]);
    d.open(&hostile_out.join("report.html"));
    let state = d.js("return {title: document.title, pwned: window.__pwned === undefined ? null : window.__pwned,
                 handlers: document.querySelectorAll('[onerror],[onload],[onmouseover]').length,
                 scripts: document.scripts.length, imgs: document.images.length,
                 svgs: document.querySelectorAll('svg').length,
                 jslinks: document.querySelectorAll('a[href^=\"javascript\"]').length,
                 text: document.body.textContent}");
    assert_eq!(state["title"].as_str().unwrap(), format!("{title} — \"><svg onload=alert(1)>"), "the title is text");
    assert_eq!(state["pwned"], Value::Null, "no injected script ran");
    assert_eq!(state["handlers"], 0, "no element carries an injected event handler");
    assert_eq!(state["scripts"], 2, "only the data island and the page's own script");
    assert_eq!(state["imgs"], 0, "no injected image");
    assert_eq!(state["svgs"], 1, "only the estate map");
    assert_eq!(state["jslinks"], 0);
    let text = state["text"].as_str().unwrap();
    for shown in
        ["<script>alert(1)</script> Hostile Holdings", "onerror=\"document.title='pwned';alert(1)\"", HOSTILE_FILE]
    {
        assert!(text.contains(shown), "hostile text is displayed as text: {shown}");
    }
    let all_rows = d.rows().len();
    d.type_into("#f-search", "onerror");
    let rows = d.rows();
    // The search also looks at subjects and evidence, so a row may match on text it does not show.
    assert!(
        !rows.is_empty() && rows.len() < all_rows && rows.iter().any(|r| r.to_lowercase().contains("onerror")),
        "{rows:?}"
    );
    d.click("#findings-body tr.finding");
    d.type_into("#f-search", "");
    d.click("#f-tenant option:nth-child(2)");
    assert!(!d.rows().is_empty(), "a tenant named with markup still filters");
    let (status, _) = http(d.port, "GET", &format!("/session/{}/alert/text", d.session), None).unwrap();
    assert_eq!(status, 404, "no alert dialog is open");
    // An executed payload would set window.__pwned or replace the title with just "pwned".
    assert_eq!(
        d.js("return [window.__pwned === undefined, document.title]"),
        json!([true, format!("{title} — \"><svg onload=alert(1)>")])
    );
    assert_eq!(d.errors(), "", "no errors and no blocked content");
}

/// Width and height in pixels of a PNG file (its IHDR chunk).
fn png_size(p: &Path) -> (u32, u32) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[1..4], b"PNG", "{}", p.display());
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

/// `pdftoppm` and `pdftotext` (poppler-utils), or None (after failing under CI, or printing why locally).
fn poppler() -> Option<(PathBuf, PathBuf)> {
    match (which("pdftoppm"), which("pdftotext")) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => {
            let msg = "pdftoppm and pdftotext are needed (apt-get install poppler-utils)";
            if required_here() {
                panic!("{msg}, and CI=true on Linux: the print test must run in CI");
            }
            eprintln!("skipping: {msg}");
            None
        }
    }
}

#[test]
fn html_report_prints_to_pdf_with_a_one_page_cover_and_nothing_off_the_page() {
    let Some((driver, chrome)) = browser() else { return };
    let Some((pdftoppm, pdftotext)) = poppler() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sample");
    // An absolute path: the client view shows paths relative to the scanned folder all the same.
    let sample = crate_root().join("samples/contoso-merger");
    // Judged three days before the sample's AD FS signing certificate expires.
    scan(&[&sample], &out, &["--format", "json,html", "--client", "Contoso Ltd", "--as-of", "2026-12-06T12:00:00Z"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let root = crate_root().display().to_string().replace('\\', "/");
    assert!(!html.contains(&root), "the scanning machine's path {root} is in the page");
    assert!(html.contains("ad/contoso/users.csv"), "paths relative to the scanned folder");
    for internal in ["(truncated", "see report.json", "id=\"gate\"", "\"ci\":true"] {
        assert!(!html.contains(internal), "{internal} in the client view");
    }

    // Chromium's own PDF printer: A4 pages, a bounded page count, the cover alone on page 1.
    let pdf = tmp.path().join("report.pdf");
    let profile = tmp.path().join("profile");
    let status = Command::new(&chrome)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .arg("--no-pdf-header-footer")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", out.join("report.html").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run chromium --print-to-pdf");
    assert!(status.success() && pdf.is_file(), "chromium printed no PDF");
    let prefix = tmp.path().join("page");
    let st = Command::new(&pdftoppm).args(["-r", "40", "-png"]).arg(&pdf).arg(&prefix).status().unwrap();
    assert!(st.success());
    let mut pages: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name().unwrap().to_string_lossy().starts_with("page") && p.extension().is_some_and(|x| x == "png")
        })
        .collect();
    pages.sort();
    assert!((6..=60).contains(&pages.len()), "{} pages", pages.len());
    for p in &pages {
        // A4 at 40 dpi: 210 × 297 mm = 331 × 468 px.
        let (w, h) = png_size(p);
        assert!(w.abs_diff(331) <= 2 && h.abs_diff(468) <= 2, "{}: {w}×{h}", p.display());
    }
    let page_text = |n: usize| {
        let o = Command::new(&pdftotext)
            .args(["-f", &n.to_string(), "-l", &n.to_string(), "-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let first = page_text(1);
    for needle in [
        "At a glance",
        "Rating:",
        "Top risks",
        "2026-12-10",
        "Owner: AD FS admin",
        "Scope",
        "not covered",
        "Data dates per source",
        "Method and limitations",
    ] {
        assert!(first.contains(needle), "page 1 lacks {needle:?}:\n{first}");
    }
    assert!(
        first.find("2026-12-10").unwrap() < first.find("Owner: M365 admin").unwrap(),
        "the certificate comes first"
    );
    assert!(page_text(2).contains("Executive summary"), "the cover fits on page 1");
    for n in 1..=pages.len() {
        let t = page_text(n);
        assert!(!t.contains("report.json") && !t.contains("{\""), "page {n}: internal reference or raw JSON:\n{t}");
    }

    // Layout metrics of the print media at the printed width (A4 less 12 mm margins: 703 CSS px).
    let d = Driver::start(&driver, &chrome);
    d.open(&out.join("report.html"));
    d.cdp("Emulation.setEmulatedMedia", json!({"media": "print"}));
    d.cdp("Emulation.setScrollbarsHidden", json!({"hidden": true}));
    d.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 703, "height": 1017, "deviceScaleFactor": 1, "mobile": false}),
    );
    d.js("window.dispatchEvent(new Event('beforeprint')); return null");
    let m = d.js("var w = document.documentElement.clientWidth, over = [];
         document.querySelectorAll('body *').forEach(function (e) {
           var r = e.getBoundingClientRect();
           if (r.width > 0 && r.right > w + 1) { over.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right)); }
         });
         return {width: w, scroll: document.documentElement.scrollWidth, over: over.slice(0, 20), count: over.length,
                 cover: document.getElementById('cover').getBoundingClientRect().bottom,
                 rows: document.querySelectorAll('#findings-body tr.finding').length,
                 print: matchMedia('print').matches}");
    assert_eq!(m["print"], true, "{m}");
    assert_eq!(m["width"], 703, "{m}");
    assert_eq!(m["count"], 0, "elements run off the printed page: {m}");
    assert!(m["scroll"].as_u64().unwrap() <= 704, "{m}");
    // The masthead and the cover within one printed page (297 mm less 14 mm margins: 1017 CSS px).
    assert!(m["cover"].as_f64().unwrap() <= 1017.0, "the cover is longer than a page: {m}");
    assert!(m["rows"].as_u64().unwrap() > 0);
    assert_eq!(d.errors(), "", "no errors in the console");
}

/// An AD export of `n` fictional lab users whose UPNs hold a space: `n` CH002 findings, one rule group.
fn lab_users_estate(root: &Path, n: usize) -> PathBuf {
    let dir = root.join("lab");
    std::fs::create_dir_all(dir.join("ad")).unwrap();
    let mut csv = String::from(
        "DistinguishedName,ObjectClass,ObjectGUID,SamAccountName,UserPrincipalName,DisplayName,mail,userAccountControl\r\n",
    );
    for i in 1..=n {
        csv.push_str(&format!(
            "\"CN=Lab User {i:03},OU=Lab,DC=fabrikam,DC=com\",user,{i:08x}-5a1b-4c2d-8e3f-{i:012x},labuser{i:03},lab user{i:03}@fabrikam.com,Lab User {i:03},labuser{i:03}@fabrikam.com,512\r\n"
        ));
    }
    std::fs::write(dir.join("ad/users.csv"), csv).unwrap();
    dir
}

#[test]
fn large_rule_groups_start_collapsed_and_filters_still_reach_their_rows() {
    let Some((driver, chrome)) = browser() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let estate = lab_users_estate(tmp.path(), 120);
    let out = tmp.path().join("out");
    scan(&[&estate], &out, &["--format", "json,html"]);
    let report = read_report(&out);
    let total = report["findings"].as_array().unwrap().len();
    assert_eq!(findings_with_rule(&report, "CH002").len(), 120);
    let d = Driver::start(&driver, &chrome);
    d.open(&out.join("report.html"));
    let ch002_rows = |d: &Driver| d.rows().iter().filter(|r| r.contains("CH002")).count();
    let collapsed = || {
        d.js(
            "return Array.from(document.querySelectorAll('#findings-body tr.group.collapsed')).map(g => g.textContent)",
        )
    };

    // The 120-row group is one collapsed header with its count and first examples; the small groups are open.
    let groups = collapsed();
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let header = groups[0].as_str().unwrap();
    assert!(
        header.contains("CH002") && header.contains("120 finding(s)") && header.contains("show all 120"),
        "{header}"
    );
    for f in findings_with_rule(&report, "CH002").iter().take(3) {
        assert!(header.contains(f["title"].as_str().unwrap()), "the first examples in report order: {header}");
    }
    assert!(header.contains("… and 117 more"), "{header}");
    assert_eq!(ch002_rows(&d), 0, "no row of the collapsed group is listed");
    assert_eq!(d.rows().len(), total - 120, "the other groups are open");
    let shown = d.js("return document.getElementById('shown-count').textContent");
    assert_eq!(shown.as_str().unwrap(), format!("{total} of {total} finding(s) match"), "the count covers all rows");

    // Search and filters look at every row: a search inside the group lists its matches (31 ≤ 50: open).
    d.type_into("#f-search", "user1");
    assert_eq!(ch002_rows(&d), 21, "user100–user120: {:?}", d.rows());
    assert_eq!(collapsed().as_array().unwrap().len(), 0);
    d.type_into("#f-search", "user0");
    let matches = collapsed();
    assert!(matches[0].as_str().unwrap().contains("99 finding(s)"), "user001–user099, still over 50: {matches}");
    assert_eq!(ch002_rows(&d), 0);
    d.type_into("#f-search", "lab user077");
    let rows = d.rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("lab user077@fabrikam.com"));
    d.type_into("#f-search", "");
    d.click("#f-severity option[value='high']");
    let high = collapsed();
    assert!(high.as_array().unwrap()[0].as_str().unwrap().contains("120 finding(s)"), "severity filter: {high}");
    d.click("#f-severity option[value='']");

    // "show all" lists the group's rows (paged); "collapse" folds it again.
    d.click("#findings-body tr.group.collapsed .group-toggle");
    assert_eq!(collapsed().as_array().unwrap().len(), 0);
    assert_eq!(d.rows().len(), 100, "the first page");
    let pages = d.js("return document.getElementById('page-info').textContent");
    assert!(pages.as_str().unwrap().ends_with(&format!("of {}, page 1 of 2", total)), "{pages}");
    d.click("#page-next");
    assert_eq!(d.rows().len(), total - 100);
    d.click("#page-prev");
    d.click("#findings-body tr.group .group-toggle");
    assert_eq!(collapsed().as_array().unwrap().len(), 1, "collapsed again");
    assert_eq!(ch002_rows(&d), 0);
    // Without grouping every row is listed.
    d.click("#f-group");
    assert_eq!(d.rows().len(), 100);
    assert_eq!(d.js("return document.querySelectorAll('#findings-body tr.group').length"), 0);
    assert_eq!(d.errors(), "", "no errors in the console");
}

/// Every address-like word (UPNs, mail and proxy addresses) in the files of an estate.
pub(crate) fn addresses_in(dir: &Path) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        // UTF-16 exports: drop the zero bytes of ASCII text.
        let text = if bytes.iter().filter(|&&b| b == 0).count() > bytes.len() / 4 {
            String::from_utf8_lossy(&bytes.iter().copied().filter(|&b| b != 0).collect::<Vec<_>>()).into_owned()
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        for word in text.split(|c: char| !(c.is_alphanumeric() || "@.-_'#!^~".contains(c))) {
            if let Some((local, domain)) = word.split_once('@')
                && !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with("odata")
            {
                out.insert(word.trim_end_matches('.').to_lowercase());
            }
        }
    }
    out
}

#[test]
fn pseudonymize_leaves_no_address_of_the_sample_in_any_format() {
    let tmp = tempfile::tempdir().unwrap();
    let estate = tmp.path().join("contoso-merger");
    let sample = crate_root().join("samples/contoso-merger");
    let status = Command::new("cp").arg("-r").arg(&sample).arg(&estate).status().unwrap();
    assert!(status.success());
    let upns = addresses_in(&sample);
    assert!(upns.len() > 50, "the sample has many addresses: {}", upns.len());
    let upn = upns.iter().find(|u| u.ends_with("@contoso.com")).unwrap().clone();
    // A botched export whose warnings quote a user's UPN and display name (values in the wrong column).
    std::fs::write(
        estate.join("ad/contoso/shifted.csv"),
        format!(
            "\"DistinguishedName\",\"ObjectGUID\",\"SamAccountName\",\"UserPrincipalName\",\"DisplayName\",\"userAccountControl\",\"whenCreated\"\r\n\
             \"CN=Shifted,OU=Staff,DC=corp,DC=contoso,DC=com\",\"{upn}\",\"shifted\",\"{upn}\",\"Shifted Person\",\"Shifted Person\",\"2024-01-01\"\r\n"
        ),
    )
    .unwrap();
    let formats = ["--format", "json,html,sarif,junit,csv"];
    let plain = tmp.path().join("plain");
    scan(&[&estate], &plain, &formats);
    let all_text = |dir: &Path| -> String {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
            .to_lowercase()
    };
    let before = all_text(&plain);
    assert!(before.contains(&upn) && before.contains("shifted person"), "without the option the UPN is reported");

    let out = tmp.path().join("pseudo");
    scan(&[&estate], &out, &[&formats[..], &["--pseudonymize"]].concat());
    for f in ["report.json", "report.html", "report.sarif", "report.junit.xml", "findings.csv"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap().to_lowercase();
        for u in &upns {
            assert!(!text.contains(u.as_str()), "{f} contains {u}");
        }
        assert!(!text.contains("shifted person"), "{f} contains a display name");
    }
    // The same value gets the same token in every format.
    let json_text = std::fs::read_to_string(out.join("report.json")).unwrap();
    let token = json_text
        .split(|c: char| c == '`' || c == '"' || c.is_whitespace())
        .find(|w| w.starts_with("u-") && w.contains("@contoso.com"))
        .expect("a token in report.json")
        .to_string();
    for f in ["report.html", "report.sarif", "report.junit.xml", "findings.csv"] {
        assert!(std::fs::read_to_string(out.join(f)).unwrap().contains(&token), "{f} lacks {token}");
    }
    assert!(std::fs::read_to_string(out.join("report.html")).unwrap().contains("Pseudonymized"));
}
