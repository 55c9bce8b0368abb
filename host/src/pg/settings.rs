//! Where the database is, and how Candlewick shows it without leaking a password.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use postgres::config::Host;

/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed connection URL (or key=value string). `Display` never shows the password.
#[derive(Clone)]
pub struct ConnectionSettings {
    config: postgres::Config,
}

/// A connection string that does not parse; the message carries no credentials.
#[derive(Debug, thiserror::Error)]
#[error("invalid database URL {masked} (expected postgresql://user[:password]@host[:port]/database)")]
pub struct InvalidDatabaseUrl {
    masked: String,
}

impl ConnectionSettings {
    pub fn parse(url: &str) -> Result<Self, InvalidDatabaseUrl> {
        let mut config =
            postgres::Config::from_str(url).map_err(|_| InvalidDatabaseUrl { masked: mask_password(url) })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        Ok(ConnectionSettings { config })
    }

    /// The configuration with `settings` (`name=value` run-time parameters) added to the startup
    /// options, keeping any the URL already had, such as a `search_path`.
    pub fn config_with(&self, application_name: &str, settings: &[(&str, String)]) -> postgres::Config {
        let mut config = self.config.clone();
        let mut options = config.get_options().unwrap_or_default().to_owned();
        for (name, value) in settings {
            options.push_str(&format!(" -c {name}={value}"));
        }
        config.options(options.trim_start());
        if config.get_application_name().is_none() {
            config.application_name(application_name);
        }
        config
    }

    /// Settings from parts already split out (host, port, database, user, password).
    pub fn from_config(mut config: postgres::Config) -> Self {
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        ConnectionSettings { config }
    }

    pub fn config(&self) -> &postgres::Config {
        &self.config
    }
}

impl fmt::Display for ConnectionSettings {
    /// `postgresql://user@host:port/database`, without the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.config;
        f.write_str("postgresql://")?;
        if let Some(user) = config.get_user() {
            write!(f, "{user}@")?;
        }
        let ports = config.get_ports();
        for (i, host) in config.get_hosts().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match host {
                Host::Tcp(name) => f.write_str(name)?,
                Host::Unix(path) => write!(f, "[{}]", path.display())?,
            }
            if let Some(port) = ports.get(i).or(ports.first()) {
                write!(f, ":{port}")?;
            }
        }
        write!(f, "/{}", config.get_dbname().unwrap_or(""))
    }
}

impl fmt::Debug for ConnectionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectionSettings({self})")
    }
}

/// Replaces the password of a URL (`user:secret@`) or key=value string (`password=secret`) with
/// `***`, for messages and logs.
pub fn mask_password(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            return format!("{}{}:***{}", &url[..scheme_end + 3], &rest[..colon], &rest[at..]);
        }
        return url.to_owned();
    }
    url.split_whitespace()
        .map(|pair| if pair.starts_with("password=") { "password=***" } else { pair })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_password_hides_url_and_keyword_passwords() {
        assert_eq!(mask_password("postgresql://bob:s3cr3t@db:5432/x"), "postgresql://bob:***@db:5432/x");
        assert_eq!(mask_password("postgresql://bob@db/x"), "postgresql://bob@db/x");
        assert_eq!(mask_password("host=db password=s3cr3t user=bob"), "host=db password=*** user=bob");
    }

    #[test]
    fn display_leaves_out_the_password() {
        let settings = ConnectionSettings::parse("postgresql://bob:s3cr3t@db:6543/market").unwrap();
        assert_eq!(settings.to_string(), "postgresql://bob@db:6543/market");
    }

    #[test]
    fn invalid_url_error_masks_the_password() {
        let err = ConnectionSettings::parse("postgresql://bob:s3cr3t@db:notaport/x").unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }

    #[test]
    fn config_with_keeps_existing_options() {
        let settings = ConnectionSettings::parse("postgresql://u@h/db?options=-csearch_path%3Ddemo").unwrap();
        let config = settings.config_with("candlewick", &[("statement_timeout", "5000".into())]);
        assert_eq!(config.get_options(), Some("-csearch_path=demo -c statement_timeout=5000"));
    }
}
