//! `tenantlint collect ldap|graph|arm`: live collection wired to the command line (progress on
//! stderr, the files written, the exit code). The collection itself is [`crate::collect`].

use super::{EXIT_ERROR, EXIT_OK, error, scan};
use crate::cli::ScanArgs;
use crate::ingest;
use std::io::IsTerminal;

pub(super) fn ldap(args: &crate::cli::LdapArgs) -> u8 {
    use crate::collect::ldap::{self, PasswordSource, Request};
    let password = match (&args.password_env, &args.password_file) {
        (Some(v), _) => PasswordSource::Env(v.clone()),
        (None, Some(f)) => PasswordSource::File(f.clone()),
        (None, None) => PasswordSource::Prompt,
    };
    let mut attributes: Vec<String> = ldap::DEFAULT_ATTRIBUTES.iter().map(|s| s.to_string()).collect();
    for a in &args.attrs {
        if !attributes.iter().any(|x| x.eq_ignore_ascii_case(a)) {
            attributes.push(a.clone());
        }
    }
    let req = Request {
        url: args.url.clone(),
        base: args.base.clone(),
        bind_dn: args.bind_dn.clone(),
        password,
        filter: args.filter.clone(),
        attributes,
        page_size: args.page_size.max(1),
        starttls: args.starttls,
        ca_file: args.ca_file.clone(),
        insecure_skip_verify: args.insecure_skip_verify,
        allow_plaintext: args.allow_plaintext,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
    };
    let pb = if std::io::stderr().is_terminal() {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(
            indicatif::ProgressStyle::with_template("collecting {spinner} {pos} objects ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Some(pb)
    } else {
        None
    };
    let tick = |n: usize| {
        if let Some(pb) = &pb {
            pb.set_position(n as u64);
        }
    };
    let result = ldap::collect(&req, &args.out, &tick);
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    match result {
        Ok(c) => {
            for w in &c.warnings {
                eprintln!("tenantlint: {w}");
            }
            eprintln!("collected {} objects into {}", c.objects, ingest::display_path(&args.out));
            match &args.scan {
                Some(dir) => {
                    let scan_args = ScanArgs::for_collected(args.out.clone(), dir.clone());
                    scan(&scan_args)
                }
                None => EXIT_OK,
            }
        }
        Err(e) => {
            error(e);
            EXIT_ERROR
        }
    }
}

/// Progress of `collect graph` / `collect arm` on stderr.
struct CloudProgress {
    quiet: bool,
}

impl crate::collect::http::Observer for CloudProgress {
    fn retry(&self, url: &str, why: &str, wait: std::time::Duration, attempt: u32) {
        if !self.quiet {
            eprintln!("retry {attempt} of {url} in {:.1} s ({why})", wait.as_secs_f64());
        }
    }
}

impl crate::collect::pages::Progress for CloudProgress {
    fn page(&self, name: &str, pages: u32, records: u64) {
        if !self.quiet {
            eprintln!("{name}: page {pages}, {records} records");
        }
    }
    fn done(&self, e: &crate::collect::manifest::Entry) {
        use crate::collect::manifest::State;
        match (e.status, &e.error) {
            (State::Complete, _) if self.quiet => {}
            (State::Complete, _) => eprintln!(
                "{}: complete, {} page(s), {} records{}",
                e.name,
                e.pages,
                e.records,
                e.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
            ),
            (s, err) => eprintln!(
                "tenantlint: {}: {} — {}{}",
                e.name,
                s.name(),
                err.as_deref().unwrap_or("stopped"),
                if e.optional { " (optional collection)" } else { "" }
            ),
        }
    }
}

pub(super) fn cloud(args: &crate::cli::CloudArgs, api: crate::collect::graph::Api) -> u8 {
    use crate::cli::AuthFlow;
    use crate::collect::{auth::Method, cloud::Endpoints, graph, http::RetryPolicy};
    let need = |v: &Option<String>, flag: &str, flow: &str| -> Result<String, String> {
        v.clone().ok_or_else(|| format!("--auth {flow} needs {flag}"))
    };
    let method = match (args.auth, &args.access_token_env) {
        (_, Some(var)) => Ok(Method::TokenEnv(var.clone())),
        (Some(AuthFlow::ClientSecret), None) => need(&args.client_id, "--client-id", "client-secret").and_then(|id| {
            Ok(Method::ClientSecret {
                client_id: id,
                secret_env: need(&args.client_secret_env, "--client-secret-env VAR", "client-secret")?,
            })
        }),
        (Some(AuthFlow::Certificate), None) => need(&args.client_id, "--client-id", "certificate").and_then(|id| {
            Ok(Method::Certificate {
                client_id: id,
                certificate: args
                    .certificate
                    .clone()
                    .ok_or_else(|| "--auth certificate needs --certificate FILE.pem".to_string())?,
                key: args.key.clone(),
            })
        }),
        (Some(AuthFlow::DeviceCode), None) => {
            need(&args.client_id, "--client-id", "device-code").map(|client_id| Method::DeviceCode { client_id })
        }
        (None, None) => Err("choose --auth device-code|client-secret|certificate or --access-token-env VAR".into()),
    };
    let endpoints =
        Endpoints::new(args.cloud, args.login_url.as_deref(), args.graph_url.as_deref(), args.arm_url.as_deref());
    let (method, endpoints) = match (method, endpoints) {
        (Ok(m), Ok(e)) => (m, e),
        (Err(e), _) | (_, Err(e)) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let req = graph::Request {
        api,
        tenant: args.tenant.clone(),
        endpoints,
        auth: method,
        out: args.out.clone(),
        resume: args.resume,
        policy: RetryPolicy {
            max_retries: args.max_retries,
            backoff: std::time::Duration::from_millis(args.backoff_ms),
            timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        },
    };
    let progress = CloudProgress { quiet: args.quiet };
    let tell = |s: &str| eprintln!("{s}");
    let outcome = match graph::collect(&req, &progress, &progress, &tell) {
        Ok(o) => o,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let incomplete = outcome.incomplete();
    let records: u64 = outcome.entries.iter().map(|e| e.records).sum();
    if !args.quiet {
        eprintln!(
            "collected {} collection(s), {records} records into {}{}",
            outcome.entries.len(),
            ingest::display_path(&args.out),
            if incomplete.is_empty() { String::new() } else { format!("; {} incomplete", incomplete.len()) }
        );
    }
    let mut code = EXIT_OK;
    if !incomplete.is_empty() {
        let names: Vec<&str> = incomplete.iter().map(|e| e.name.as_str()).collect();
        error(format_args!(
            "incomplete collection(s): {} (recorded in {}; `scan` reports them as IN005){}",
            names.join(", "),
            ingest::display_path(&args.out.join(crate::collect::manifest::FILE_NAME)),
            if args.keep_going { "" } else { "; exit 2 (pass --keep-going to accept a partial collection)" }
        ));
        if !args.keep_going {
            code = EXIT_ERROR;
        }
    }
    if let Some(dir) = &args.scan {
        let scan_args = ScanArgs::for_collected(args.out.clone(), dir.clone());
        code = code.max(scan(&scan_args));
    }
    code
}
