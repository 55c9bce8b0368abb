//! Where the database is, and how Candlewick shows it without leaking a password.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use postgres::Client;
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

    /// Settings from parts already split out, as a job file's `database:` keys give them; an
    /// empty password is none.
    pub fn from_parts(host: &str, port: u16, database: &str, user: &str, password: Option<&str>) -> Self {
        let mut config = postgres::Config::new();
        config.host(host).port(port).dbname(database).user(user);
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            config.password(password);
        }
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        ConnectionSettings { config }
    }

    /// A plain read-write connection, for migrations and ingest, named `application_name` on the
    /// server unless the URL names it.
    pub fn connect(&self, application_name: &str) -> Result<Client, postgres::Error> {
        self.config_with(application_name, &[]).connect(postgres::NoTls)
    }

    pub fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// The server it connects to as the URL names it, `host:port` (every host of a list, the
    /// default port 5432 written out, host names in lower case), without user or database: two
    /// settings with the same one name one server, whatever database they open.
    pub fn server(&self) -> String {
        let ports = self.config.get_ports();
        let servers: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .enumerate()
            .map(|(i, host)| {
                let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
                match host {
                    Host::Tcp(name) => format!("{}:{port}", name.to_ascii_lowercase()),
                    Host::Unix(path) => format!("[{}]:{port}", path.display()),
                }
            })
            .collect();
        servers.join(",")
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

/// Replaces every password a libpq connection string can carry with `***`, for messages and logs.
/// The forms are libpq's (PostgreSQL manual, "Connection Strings"):
/// - a URL's user info, `postgresql://user:secret@host/db`;
/// - a URL's query parameter, `postgresql://host/db?user=u&password=secret`;
/// - a key/value string's `password=secret`, with spaces around `=` allowed and the value
///   single-quoted (`password = 'a \'b'`), backslash-escaped, or bare.
pub fn mask_password(conninfo: &str) -> String {
    match conninfo.find("://") {
        Some(scheme_end) => mask_url(conninfo, scheme_end + 3),
        None => mask_key_values(conninfo),
    }
}

fn mask_url(url: &str, authority_start: usize) -> String {
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let mut masked = url[..authority_start].to_owned();
    match rest[..authority_end].rfind('@') {
        Some(at) if rest[..at].contains(':') => {
            let colon = rest[..at].find(':').expect("checked");
            masked.push_str(&rest[..colon]);
            masked.push_str(":***");
            masked.push_str(&rest[at..authority_end]);
        }
        _ => masked.push_str(&rest[..authority_end]),
    }
    let tail = &rest[authority_end..];
    let Some(query_start) = tail.find('?') else {
        masked.push_str(tail);
        return masked;
    };
    masked.push_str(&tail[..=query_start]);
    let query = &tail[query_start + 1..];
    let (query, fragment) = query.split_at(query.find('#').unwrap_or(query.len()));
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_password_key(key) => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    masked.push_str(&pairs.join("&"));
    masked.push_str(fragment);
    masked
}

/// `password` however it is spelled: any case, any of its letters percent-encoded (`p%61ssword`),
/// since a URL's keys are decoded before they are read. Masking more than the driver reads is safe.
fn is_password_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    decoded.eq_ignore_ascii_case(b"password")
}

/// `key = value` pairs as libpq scans them; the text between values is kept as it was.
fn mask_key_values(conninfo: &str) -> String {
    let chars: Vec<char> = conninfo.chars().collect();
    let mut masked = String::with_capacity(conninfo.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            masked.push(chars[i]);
            i += 1;
            continue;
        }
        let key_start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[key_start..i].iter().collect();
        masked.push_str(&key);
        while i < chars.len() && chars[i].is_whitespace() {
            masked.push(chars[i]);
            i += 1;
        }
        if i >= chars.len() || chars[i] != '=' {
            continue;
        }
        masked.push('=');
        i += 1;
        while i < chars.len() && chars[i].is_whitespace() {
            masked.push(chars[i]);
            i += 1;
        }
        let value_start = i;
        if i < chars.len() && chars[i] == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = i.min(chars.len());
        }
        if is_password_key(&key) {
            masked.push_str("***");
        } else {
            masked.extend(&chars[value_start..i]);
        }
    }
    masked
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
    fn mask_password_hides_a_url_query_password() {
        assert_eq!(mask_password("postgresql://db/x?password=s3cr3t"), "postgresql://db/x?password=***");
        assert_eq!(
            mask_password("postgres://db:5432/x?user=bob&password=s3cr3t&sslmode=disable#f"),
            "postgres://db:5432/x?user=bob&password=***&sslmode=disable#f"
        );
        assert_eq!(
            mask_password("postgresql://bob:one@db/x?password=two"),
            "postgresql://bob:***@db/x?password=***",
            "both forms at once"
        );
        assert_eq!(mask_password("postgresql://db?password=s3cr3t"), "postgresql://db?password=***");
        assert_eq!(mask_password("postgresql://db/x?passwordless=1"), "postgresql://db/x?passwordless=1");
        assert_eq!(
            mask_password("postgresql://db/x?p%61ssword=s3cr3t&port=x"),
            "postgresql://db/x?p%61ssword=***&port=x",
            "a key percent-encoded, as the driver decodes it"
        );
        assert_eq!(mask_password("postgresql://db/x?PASSWORD=s3cr3t"), "postgresql://db/x?PASSWORD=***");
    }

    #[test]
    fn mask_password_hides_every_key_value_form() {
        assert_eq!(mask_password("password=s3cr3t"), "password=***");
        assert_eq!(mask_password("host=db password = s3cr3t user=bob"), "host=db password = *** user=bob");
        assert_eq!(mask_password("password='se cr3t' user=bob"), "password=*** user=bob");
        assert_eq!(mask_password(r"password='it\'s a secret' dbname=x"), "password=*** dbname=x");
        assert_eq!(mask_password(r"password=back\ slash user=bob"), "password=*** user=bob");
        assert_eq!(mask_password("user=password dbname=x"), "user=password dbname=x", "a value, not the key");
        assert_eq!(mask_password("password="), "password=***");
        assert_eq!(mask_password("host=db PASSWORD=s3cr3t"), "host=db PASSWORD=***");
    }

    #[test]
    fn no_masked_form_contains_the_secret() {
        for conninfo in [
            "postgresql://bob:s3cr3t@db/x",
            "postgresql://db/x?password=s3cr3t",
            "postgresql://db/x?a=1&password=s3cr3t",
            "host=db password=s3cr3t",
            "host=db password =s3cr3t",
            "host=db password= 's3cr3t'",
            "host=db\tpassword\t=\ts3cr3t",
        ] {
            assert!(!mask_password(conninfo).contains("s3cr3t"), "{conninfo}: {}", mask_password(conninfo));
        }
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
    fn server_names_host_and_port_only() {
        let server = |url: &str| ConnectionSettings::parse(url).unwrap().server();
        assert_eq!(server("postgresql://bob:s3cr3t@DB.example:6543/market"), "db.example:6543");
        assert_eq!(server("postgresql://bob@db/other?application_name=x"), "db:5432");
        assert_eq!(server("postgresql://db-a:5433,db-b/x"), "db-a:5433,db-b:5432");
    }

    #[test]
    fn config_with_keeps_existing_options() {
        let settings = ConnectionSettings::parse("postgresql://u@h/db?options=-csearch_path%3Ddemo").unwrap();
        let config = settings.config_with("candlewick", &[("statement_timeout", "5000".into())]);
        assert_eq!(config.get_options(), Some("-csearch_path=demo -c statement_timeout=5000"));
    }
}
