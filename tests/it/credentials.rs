//! Credentials of live LDAP collection (`tenantlint::collect::ldap`): the password only ever comes
//! from an environment variable, a file or a prompt; it never appears in an error, a warning or the
//! written LDIF, even when the server echoes it; TLS certificates are verified unless verification is
//! explicitly switched off. A fake LDAP server (plain and TLS, self-signed `tests/fixtures/tls/`)
//! answers binds and searches just enough for `ldap::collect` to run.

use crate::util::crate_root;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use tenantlint::collect::ldap::{self, PasswordSource, Request};

const PASSWORD: &str = "Tr0ub4dor&3-never-show-me";

/// How the fake server answers a bind.
#[derive(Clone, Copy)]
enum Bind {
    /// invalidCredentials (49), echoing the password in the diagnostic message like a careless server.
    RejectEchoingPassword,
    /// success, then an empty search result.
    Accept,
}

fn ber_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else if n < 0x100 {
        vec![0x81, n as u8]
    } else {
        vec![0x82, (n >> 8) as u8, n as u8]
    }
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(ber_len(body.len()));
    v.extend_from_slice(body);
    v
}

fn ldap_result(id: &[u8], op: u8, code: u8, diag: &str) -> Vec<u8> {
    let mut body = tlv(0x0a, &[code]);
    body.extend(tlv(0x04, b""));
    body.extend(tlv(0x04, diag.as_bytes()));
    let mut msg = tlv(0x02, id);
    msg.extend(tlv(op, &body));
    tlv(0x30, &msg)
}

/// Reads one LDAP message: (message id bytes, protocol op tag, whole message).
fn read_message(s: &mut impl Read) -> Option<(Vec<u8>, u8, Vec<u8>)> {
    let mut head = [0u8; 2];
    s.read_exact(&mut head).ok()?;
    let len = if head[1] & 0x80 == 0 {
        head[1] as usize
    } else {
        let mut n = vec![0u8; (head[1] & 0x7f) as usize];
        s.read_exact(&mut n).ok()?;
        n.iter().fold(0usize, |a, &b| (a << 8) | b as usize)
    };
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    // body: 02 <len> <id...> <op tag> ...
    let id_len = body[1] as usize;
    let id = body[2..2 + id_len].to_vec();
    let op = body[2 + id_len];
    let mut whole = head.to_vec();
    whole.extend(&body);
    Some((id, op, whole))
}

/// Serves LDAP on one stream; returns every message received (to check what the client sent).
fn serve(s: &mut (impl Read + Write), bind: Bind) -> Vec<Vec<u8>> {
    let mut seen = Vec::new();
    while let Some((id, op, whole)) = read_message(s) {
        seen.push(whole);
        let reply = match (op, bind) {
            (0x60, Bind::RejectEchoingPassword) => ldap_result(
                &id,
                0x61,
                49,
                &format!(
                    "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, password {PASSWORD} rejected"
                ),
            ),
            (0x60, Bind::Accept) => ldap_result(&id, 0x61, 0, ""),
            (0x63, _) => ldap_result(&id, 0x65, 0, ""),
            _ => break, // unbind or anything else: done
        };
        if s.write_all(&reply).is_err() {
            break;
        }
    }
    seen
}

/// What the fake server saw: the TLS handshake error (if any) and every LDAP message received.
type Seen = (Option<String>, Vec<Vec<u8>>);

/// A fake server on 127.0.0.1; `tls` wraps it in TLS with the self-signed test certificate.
/// Returns the port and a handle yielding (handshake error, messages received).
fn server(tls: bool, bind: Bind) -> (u16, std::thread::JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        if tls {
            let dir = crate_root().join("tests/fixtures/tls");
            let cert = std::fs::read(dir.join("localhost.crt")).unwrap();
            let key = std::fs::read(dir.join("localhost.key")).unwrap();
            let id = native_tls::Identity::from_pkcs8(&cert, &key).unwrap();
            let acceptor = native_tls::TlsAcceptor::new(id).unwrap();
            match acceptor.accept(stream) {
                Ok(mut s) => (None, serve(&mut s, bind)),
                Err(e) => (Some(e.to_string()), Vec::new()),
            }
        } else {
            let mut s: TcpStream = stream;
            (None, serve(&mut s, bind))
        }
    });
    (port, h)
}

fn request(url: String, env_var: &str) -> Request {
    Request {
        url,
        base: "DC=corp,DC=contoso,DC=com".into(),
        bind_dn: "CORP\\auditor".into(),
        password: PasswordSource::Env(env_var.into()),
        filter: ldap::DEFAULT_FILTER.into(),
        attributes: ldap::DEFAULT_ATTRIBUTES.iter().map(|s| s.to_string()).collect(),
        page_size: 500,
        starttls: false,
        ca_file: None,
        insecure_skip_verify: false,
        allow_plaintext: false,
        timeout: Duration::from_secs(10),
    }
}

fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The password can only come from the environment, a file or a prompt: there is no variant that
/// holds the password itself (this match stops compiling if one is added).
#[test]
fn password_sources_never_hold_the_password() {
    fn holds_password(p: &PasswordSource) -> bool {
        match p {
            PasswordSource::Env(_) | PasswordSource::File(_) | PasswordSource::Prompt => false,
        }
    }
    assert!(!holds_password(&PasswordSource::Prompt));
    // No command-line flag named like a plain password value.
    use clap::CommandFactory;
    fn walk(c: &clap::Command, bad: &mut Vec<String>) {
        for a in c.get_arguments() {
            let long = a.get_long().unwrap_or("").to_ascii_lowercase();
            if ["password", "pass", "pw", "passwd", "secret", "bind-password"].contains(&long.as_str()) {
                bad.push(format!("{} --{long}", c.get_name()));
            }
        }
        for s in c.get_subcommands() {
            walk(s, bad);
        }
    }
    let mut bad = Vec::new();
    walk(&tenantlint::cli::Cli::command(), &mut bad);
    assert!(bad.is_empty(), "flags taking a plain password: {bad:?}");
    let dbg = format!("{:?}", request("ldaps://dc1".into(), "TL_CRED_TEST_PW_0"));
    assert!(!dbg.contains(PASSWORD));
}

/// A refused bind gives an error naming the server and the identity, never the password — even
/// when the server puts it in its diagnostic message. Read from a file here.
#[test]
fn wrong_password_error_does_not_contain_the_password() {
    let (port, h) = server(false, Bind::RejectEchoingPassword);
    let dir = tempfile::tempdir().unwrap();
    let pw_file = dir.path().join("pw");
    std::fs::write(&pw_file, format!("{PASSWORD}\n")).unwrap();
    let mut req = request(format!("ldap://127.0.0.1:{port}"), "unused");
    req.password = PasswordSource::File(pw_file);
    req.allow_plaintext = true;
    let out = dir.path().join("ad.ldf");
    let err = ldap::collect(&req, &out, &|_| {}).expect_err("bind must fail");
    let msg = err.to_string();
    let (_, seen) = h.join().unwrap();
    assert!(seen.iter().any(|m| contains_bytes(m, PASSWORD.as_bytes())), "the client did send the password");
    assert!(matches!(err, ldap::Error::Bind { .. }), "{msg}");
    assert!(msg.contains("CORP\\auditor") && msg.contains("127.0.0.1"), "{msg}");
    assert!(!msg.contains(PASSWORD), "error message leaks the password: {msg}");
    assert!(!format!("{err:?}").contains(PASSWORD), "error Debug leaks the password");
    assert!(msg.contains("********"), "the echoed password is masked: {msg}");
    assert!(!out.exists(), "nothing written after a failed bind");
}

/// A successful (empty) collection over plain LDAP: the warning and the LDIF never carry the password.
#[test]
fn collection_output_and_warnings_do_not_contain_the_password() {
    let var = "TL_CRED_TEST_PW_1";
    // SAFETY: the variable name is unique to this test; no other thread reads it.
    unsafe { std::env::set_var(var, PASSWORD) };
    let (port, h) = server(false, Bind::Accept);
    let mut req = request(format!("ldap://127.0.0.1:{port}"), var);
    req.allow_plaintext = true;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ad.ldf");
    let got = ldap::collect(&req, &out, &|_| {});
    let _ = h.join();
    let got = got.unwrap_or_else(|e| panic!("collection against the fake server failed: {e}"));
    assert_eq!(got.objects, 0);
    assert!(got.warnings.iter().any(|w| w.contains("clear text")), "{:?}", got.warnings);
    assert!(got.warnings.iter().all(|w| !w.contains(PASSWORD)));
    let ldif = std::fs::read_to_string(&out).unwrap();
    assert!(ldif.contains("bind: CORP\\auditor"), "{ldif}");
    assert!(!ldif.contains(PASSWORD), "the LDIF holds the password");
}

/// TLS: a self-signed server certificate is refused by default (before any bind, so the password
/// never crosses); `--ca-file` trusts it; `--insecure-skip-verify` is an explicit, warned opt-out.
#[test]
fn tls_certificates_are_verified_by_default() {
    let var = "TL_CRED_TEST_PW_2";
    // SAFETY: the variable name is unique to this test; no other thread reads it.
    unsafe { std::env::set_var(var, PASSWORD) };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ad.ldf");

    let (port, h) = server(true, Bind::RejectEchoingPassword);
    let req = request(format!("ldaps://localhost:{port}"), var);
    let err = ldap::collect(&req, &out, &|_| {}).expect_err("self-signed certificate must be refused");
    let (handshake, seen) = h.join().unwrap();
    assert!(matches!(err, ldap::Error::Connect { .. }), "{err}");
    assert!(handshake.is_some() && seen.is_empty(), "no LDAP message may pass an unverified TLS connection");
    assert!(!err.to_string().contains(PASSWORD));

    let (port, h) = server(true, Bind::RejectEchoingPassword);
    let mut req = request(format!("ldaps://localhost:{port}"), var);
    req.ca_file = Some(crate_root().join("tests/fixtures/tls/localhost.crt"));
    let err = ldap::collect(&req, &out, &|_| {}).expect_err("bind is refused by the fake server");
    let (handshake, _) = h.join().unwrap();
    assert!(handshake.is_none(), "the CA file makes the certificate trusted: {handshake:?}");
    assert!(matches!(err, ldap::Error::Bind { .. }), "{err}");
    assert!(!err.to_string().contains(PASSWORD), "{err}");

    let (port, h) = server(true, Bind::Accept);
    let mut req = request(format!("ldaps://localhost:{port}"), var);
    req.insecure_skip_verify = true;
    let got = ldap::collect(&req, &out, &|_| {});
    let _ = h.join();
    let got = got.unwrap_or_else(|e| panic!("{e}"));
    assert!(got.warnings.iter().any(|w| w.contains("verification is OFF")), "{:?}", got.warnings);
}
