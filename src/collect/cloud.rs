//! National clouds: the sign-in, Microsoft Graph and Azure Resource Manager roots of each, and the
//! `--login-url` / `--graph-url` / `--arm-url` overrides.

use super::http;

/// A Microsoft cloud (`--cloud`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cloud {
    /// Worldwide (also Microsoft 365 GCC "moderate").
    Global,
    /// US Government L4 (GCC High).
    Usgov,
    /// US Government L5 (DoD).
    UsgovDod,
    /// Azure operated by 21Vianet (China).
    China,
}

impl Cloud {
    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::Usgov => "usgov",
            Cloud::UsgovDod => "usgov-dod",
            Cloud::China => "china",
        }
    }
    /// Sign-in root.
    pub fn login(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::Usgov | Cloud::UsgovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }
    /// Microsoft Graph root.
    pub fn graph(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::Usgov => "https://graph.microsoft.us",
            Cloud::UsgovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }
    /// Azure Resource Manager root.
    pub fn arm(self) -> &'static str {
        match self {
            Cloud::Global => "https://management.azure.com",
            Cloud::Usgov | Cloud::UsgovDod => "https://management.usgovcloudapi.net",
            Cloud::China => "https://management.chinacloudapi.cn",
        }
    }
}

/// The endpoints one run uses, after overrides, each checked by [`http::check_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Cloud name (for collection.json).
    pub cloud: &'static str,
    /// Sign-in root, no trailing slash.
    pub login: String,
    /// Graph root, no trailing slash.
    pub graph: String,
    /// ARM root, no trailing slash.
    pub arm: String,
}

impl Endpoints {
    /// The endpoints of `cloud`, with any override applied.
    pub fn new(cloud: Cloud, login: Option<&str>, graph: Option<&str>, arm: Option<&str>) -> Result<Endpoints, String> {
        let pick = |over: Option<&str>, default: &str, flag: &str| -> Result<String, String> {
            let u = over.unwrap_or(default).trim().trim_end_matches('/').to_string();
            http::check_url(&u).map_err(|e| format!("{flag}: {e}"))?;
            Ok(u)
        };
        Ok(Endpoints {
            cloud: cloud.name(),
            login: pick(login, cloud.login(), "--login-url")?,
            graph: pick(graph, cloud.graph(), "--graph-url")?,
            arm: pick(arm, cloud.arm(), "--arm-url")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_has_its_own_roots() {
        let e = Endpoints::new(Cloud::UsgovDod, None, None, None).unwrap();
        assert_eq!(e.login, "https://login.microsoftonline.us");
        assert_eq!(e.graph, "https://dod-graph.microsoft.us");
        assert_eq!(e.arm, "https://management.usgovcloudapi.net");
        let e = Endpoints::new(Cloud::Usgov, None, None, None).unwrap();
        assert_eq!(e.graph, "https://graph.microsoft.us");
        let e = Endpoints::new(Cloud::China, None, None, None).unwrap();
        assert_eq!(
            (e.login.as_str(), e.graph.as_str(), e.arm.as_str()),
            (
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
                "https://management.chinacloudapi.cn"
            )
        );
        let e = Endpoints::new(Cloud::Global, None, None, None).unwrap();
        assert_eq!(e.graph, "https://graph.microsoft.com");
        assert_eq!(e.cloud, "global");
    }

    #[test]
    fn overrides_win_and_are_checked() {
        let e = Endpoints::new(Cloud::China, Some("http://127.0.0.1:9/"), None, Some("https://arm.contoso.example"))
            .unwrap();
        assert_eq!(e.login, "http://127.0.0.1:9");
        assert_eq!(e.graph, "https://microsoftgraph.chinacloudapi.cn");
        assert_eq!(e.arm, "https://arm.contoso.example");
        let err = Endpoints::new(Cloud::Global, None, Some("http://graph.contoso.example"), None).unwrap_err();
        assert!(err.starts_with("--graph-url: ") && err.contains("plain http://"), "{err}");
    }
}
