//! Settings of one fake Jira server: which dialect it speaks and the one account it accepts.

use std::path::PathBuf;

/// The Jira dialect the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Jira Cloud: REST v3, Basic auth with email and API token, ADF rich text, accountId.
    Cloud,
    /// Jira Data Center: REST v2 under an optional context path, Bearer personal access
    /// token, wiki markup strings, users by name.
    #[serde(rename = "datacenter")]
    DataCenter,
}

impl Mode {
    /// REST API version the mode serves (`3` on Cloud, `2` on Data Center).
    pub fn api_version(self) -> u8 {
        match self {
            Mode::Cloud => 3,
            Mode::DataCenter => 2,
        }
    }

    /// Name used on the command line and in record files.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Cloud => "cloud",
            Mode::DataCenter => "datacenter",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "cloud" => Ok(Mode::Cloud),
            "datacenter" => Ok(Mode::DataCenter),
            other => Err(format!("unknown mode {other:?}: expected cloud or datacenter")),
        }
    }
}

/// Cloud id of every fake Cloud site unless a test sets another.
pub(crate) const DEFAULT_CLOUD_ID: &str = "5f1c2a3b-7d4e-4c6f-9a8b-0e1d2c3b4a59";

/// Configuration of a fake Jira server. Build one with [`Config::cloud`] or
/// [`Config::datacenter`] and change the public fields as needed.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// TCP port on 127.0.0.1; `0` lets the system pick a free one.
    pub port: u16,
    /// Email of the account; the Cloud Basic auth user name.
    pub email: String,
    /// User name of the account on Data Center (`name` and `key` in user objects).
    pub username: String,
    pub display_name: String,
    /// Atlassian account id of the account on Cloud.
    pub account_id: String,
    /// API token (Cloud) or personal access token (Data Center) that the server accepts.
    pub token: String,
    /// Path prefix before `/rest`, such as `/jira`, or empty. Data Center sites often have
    /// one; Cloud sites never do.
    pub context_path: String,
    /// File to which each Jira request is appended as one JSON line, for the contract
    /// validator in `tests/contract/validate.py`.
    pub record_file: Option<PathBuf>,
    /// `deploymentType` reported by `serverInfo`. Defaults to `Cloud`, and to `Server` on
    /// Data Center because Jira Data Center 10.3 still reports `Server` there.
    pub deployment_type: String,
    /// Whether the token is a scoped API token (Cloud only). Such a token works only
    /// through Atlassian's API gateway, `/ex/jira/{cloud_id}/...`, so the server returns
    /// 401 to every direct call except `serverInfo`.
    pub scoped_token: bool,
    /// Cloud id of the site, served at `/_edge/tenant_info` and expected in gateway paths.
    pub cloud_id: String,
}

impl Config {
    /// A Cloud site with a test account `tester@example.com` and API token `test-token`.
    pub fn cloud() -> Self {
        Config {
            mode: Mode::Cloud,
            port: 0,
            email: "tester@example.com".to_owned(),
            username: "tester".to_owned(),
            display_name: "Test User".to_owned(),
            account_id: "5b10ac8d82e05b22cc7d4ef5".to_owned(),
            token: "test-token".to_owned(),
            context_path: String::new(),
            record_file: None,
            deployment_type: "Cloud".to_owned(),
            scoped_token: false,
            cloud_id: DEFAULT_CLOUD_ID.to_owned(),
        }
    }

    /// A Data Center site with user `tester`, personal access token `test-token` and no
    /// context path.
    pub fn datacenter() -> Self {
        Config {
            mode: Mode::DataCenter,
            deployment_type: "Server".to_owned(),
            ..Config::cloud()
        }
    }

    /// Returns the configuration for `mode` with the test account.
    pub fn for_mode(mode: Mode) -> Self {
        match mode {
            Mode::Cloud => Config::cloud(),
            Mode::DataCenter => Config::datacenter(),
        }
    }

    /// Returns the path prefix of a request through Atlassian's API gateway for this site:
    /// `/ex/jira/{cloud_id}`.
    pub fn gateway_prefix(&self) -> String {
        format!("/ex/jira/{}", self.cloud_id)
    }

    /// Returns the context path in canonical form: empty, or `/name` without a trailing slash.
    pub(crate) fn normalized_context_path(&self) -> String {
        let trimmed = self.context_path.trim_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        }
    }
}
