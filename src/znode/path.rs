//! Path rules, exactly as ZooKeeper's `PathUtils.validatePath` applies them,
//! and the chroot that turns a client's path into a server path.

use super::code::{ZkError, ZkResult};

/// Checks `path` the way ZooKeeper's client does before sending a request.
/// For a sequential create the path may end in `/` (ZooKeeper validates
/// `path + "1"`), since the server appends the counter.
pub fn validate(path: &str, sequential: bool) -> ZkResult<()> {
    if sequential {
        return validate_plain(&format!("{path}1"));
    }
    validate_plain(path)
}

fn validate_plain(path: &str) -> ZkResult<()> {
    if path.is_empty() {
        return Err(ZkError::bad_arguments("Path length must be > 0"));
    }
    if !path.starts_with('/') {
        return Err(ZkError::bad_arguments(format!("Path must start with / character: \"{path}\"")));
    }
    if path.len() == 1 {
        return Ok(());
    }
    if path.ends_with('/') {
        return Err(ZkError::bad_arguments(format!("Path must not end with / character: \"{path}\"")));
    }
    let chars: Vec<char> = path.chars().collect();
    let mut last = '/';
    for i in 1..chars.len() {
        let c = chars[i];
        let ends_name = i + 1 == chars.len() || chars[i + 1] == '/';
        let reason = if c == '\0' {
            Some("null character not allowed")
        } else if c == '/' && last == '/' {
            Some("empty node name specified")
        } else if c == '.' && ends_name && (last == '/' || (last == '.' && chars[i - 2] == '/')) {
            // "." or ".." as a whole segment
            Some("relative paths not allowed")
        } else if matches!(c, '\u{1}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{e000}'..='\u{f8ff}' | '\u{fff0}'..) {
            // ZooKeeper checks Java chars: it refuses every UTF-16
            // surrogate (U+D800..U+DFFF, which a Rust char cannot be), so
            // every character beyond U+FFFF, written as a surrogate pair.
            // U+FFFD also stands for bytes that were not UTF-8 (a lone
            // surrogate from Java): refused like the surrogate itself.
            Some("invalid character")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(ZkError::bad_arguments(format!(
                "Invalid path string \"{}\" caused by {reason} @{i}",
                path.escape_debug()
            )));
        }
        last = c;
    }
    Ok(())
}

/// ZooKeeper's own nodes, present in every tree (server paths): `delete`
/// refuses them, `create` finds them existing.
pub const SPECIAL: [&str; 3] = ["/zookeeper", "/zookeeper/quota", "/zookeeper/config"];

/// ZooKeeper's read-only node (its ACL is READ for everyone, which
/// ZooKeeper enforces even for clients that never authenticated).
pub const READ_ONLY: &str = "/zookeeper/config";

pub fn is_special(server_path: &str) -> bool {
    SPECIAL.contains(&server_path)
}

/// The parent of a validated path other than `/`.
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Number of segments: `/` is 0, `/a` is 1, `/a/b` is 2.
pub fn depth(path: &str) -> usize {
    if path == "/" {
        0
    } else {
        path.matches('/').count()
    }
}

/// The chroot of a connect string: every client path lives below it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chroot(Option<String>);

impl Chroot {
    /// `None` or `"/"` means no chroot.
    pub fn new(chroot: Option<&str>) -> ZkResult<Chroot> {
        match chroot {
            None | Some("") | Some("/") => Ok(Chroot(None)),
            Some(c) => {
                validate(c, false)?;
                Ok(Chroot(Some(c.to_string())))
            }
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("/")
    }

    /// Client path to server path (ZooKeeper's `prependChroot`).
    pub fn to_server(&self, client_path: &str) -> String {
        match &self.0 {
            None => client_path.to_string(),
            Some(c) if client_path == "/" => c.clone(),
            Some(c) => format!("{c}{client_path}"),
        }
    }

    /// Server path to client path; `None` when the path is outside the chroot.
    pub fn to_client(&self, server_path: &str) -> Option<String> {
        match &self.0 {
            None => Some(server_path.to_string()),
            Some(c) if server_path == c => Some("/".to_string()),
            Some(c) => server_path.strip_prefix(c.as_str()).filter(|rest| rest.starts_with('/')).map(str::to_string),
        }
    }
}

/// etcd's client port, taken for a host given without one (ZooKeeper's
/// client takes its own 2181 there; the hosts here are etcd members).
pub const DEFAULT_PORT: u16 = 2379;

/// `host` as is if it names a port, else `host:2379` (`[v6]` too).
fn with_default_port(host: &str) -> String {
    if host.contains(':') && !host.ends_with(']') {
        host.to_string()
    } else {
        format!("{host}:{DEFAULT_PORT}")
    }
}

/// Splits `host:port,host:port/chroot` into endpoints and chroot, like
/// ZooKeeper's `ConnectStringParser` (the chroot starts at the first `/`).
pub fn parse_connect_string(connect: &str) -> ZkResult<(Vec<String>, Chroot)> {
    let (hosts, chroot) = match connect.find('/') {
        Some(i) => (&connect[..i], Some(&connect[i..])),
        None => (connect, None),
    };
    let endpoints: Vec<String> =
        hosts.split(',').map(str::trim).filter(|h| !h.is_empty()).map(with_default_port).collect();
    if endpoints.is_empty() {
        return Err(ZkError::bad_arguments(format!("connect string \"{connect}\" names no host:port")));
    }
    for e in &endpoints {
        let port_ok = e.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if !port_ok {
            return Err(ZkError::bad_arguments(format!(
                "connect string \"{connect}\": \"{e}\" is not host:port (schemes such as etcd:// are not accepted)"
            )));
        }
    }
    Ok((endpoints, Chroot::new(chroot)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_zookeeper_accepts() {
        for p in ["/", "/a", "/a/b", "/a.b", "/..a", "/a/...", "/brokers/ids/0", "/ü"] {
            assert!(validate(p, false).is_ok(), "{p}");
        }
        assert!(validate("/a/", true).is_ok());
        assert!(validate("/", true).is_ok());
    }

    #[test]
    fn rejects_what_zookeeper_rejects() {
        for p in [
            "",
            "a",
            "/a/",
            "//a",
            "/a//b",
            "/.",
            "/..",
            "/a/./b",
            "/a/../b",
            "/a\0b",
            "/a\u{1}",
            "/\u{7f}",
            "/\u{fff0}",
            "/\u{e000}",
            "/\u{fffd}",
            "/e\u{1f600}",
        ] {
            let e = validate(p, false).unwrap_err();
            assert_eq!(e.code, super::super::code::Code::BadArguments, "{p}");
        }
    }

    #[test]
    fn path_helpers() {
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(depth("/"), 0);
        assert_eq!(depth("/a/b"), 2);
    }

    #[test]
    fn chroot_maps_both_ways() {
        let c = Chroot::new(Some("/kafka")).unwrap();
        assert_eq!(c.to_server("/"), "/kafka");
        assert_eq!(c.to_server("/brokers"), "/kafka/brokers");
        assert_eq!(c.to_client("/kafka").as_deref(), Some("/"));
        assert_eq!(c.to_client("/kafka/brokers").as_deref(), Some("/brokers"));
        assert_eq!(c.to_client("/kafkax/brokers"), None);
        assert!(Chroot::new(Some("/bad/")).is_err());
    }

    #[test]
    fn connect_strings() {
        let (e, c) = parse_connect_string("127.0.0.1:2379,localhost:2380/kafka/a").unwrap();
        assert_eq!(e, vec!["127.0.0.1:2379", "localhost:2380"]);
        assert_eq!(c.as_str(), "/kafka/a");
        assert!(parse_connect_string("etcd://127.0.0.1:2379").is_err());
        let (e, _) = parse_connect_string("etcd1,127.0.0.1:2380,[::1]").unwrap();
        assert_eq!(e, vec!["etcd1:2379", "127.0.0.1:2380", "[::1]:2379"]);
        assert!(parse_connect_string("etcd1:").is_err());
        assert!(parse_connect_string("etcd1:x").is_err());
        assert!(parse_connect_string("/chroot").is_err());
    }
}
