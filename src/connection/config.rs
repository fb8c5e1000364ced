/// An Engine.IO transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// One WebSocket; the default.
    WebSocket,
    /// HTTP long-polling over `fetch`: for networks whose proxies block WebSocket upgrades.
    Polling,
}

impl TransportKind {
    /// The name Engine.IO uses in the `transport` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::WebSocket => "websocket",
            TransportKind::Polling => "polling",
        }
    }
}

/// Options of a [`Connection`](super::Connection). Defaults follow socket.io-client where it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Server URL: `http(s)://host:port` or `ws(s)://host:port`.
    pub url: String,
    /// Engine.IO path on the server; default `/socket.io/`.
    pub path: String,
    /// Socket.IO namespace; default: the URL's path (`http://host/admin` → `/admin`), else `/`.
    pub namespace: String,
    /// Query parameters of every Engine.IO request, URL-encoded without the `?` (the server's `handshake.query`);
    /// default: the URL's own query string.
    pub query: String,
    /// Reconnect automatically after a lost connection; default `true`.
    pub reconnection: bool,
    /// Give up after this many failed attempts in a row; `None` (default) retries forever.
    pub reconnection_attempts: Option<u32>,
    /// First reconnect delay in ms; default 1000.
    pub reconnection_delay_ms: f64,
    /// Cap of the exponential delay in ms; default 5000.
    pub reconnection_delay_max_ms: f64,
    /// Jitter as a fraction of the delay, applied after the cap; default 0.5.
    pub randomization_factor: f64,
    /// Give up a connection attempt (transport + handshake) after this many ms; default 20000.
    pub connect_timeout_ms: f64,
    /// Default ack timeout for `emit_with_ack`, in ms; default 10000.
    pub ack_timeout_ms: f64,
    /// Buffer emits made while disconnected and flush them on connect (`true`, default) or drop them.
    pub buffer_when_disconnected: bool,
    /// Most emits kept while disconnected; the oldest is dropped (with an error event) beyond it. Default 1000.
    pub max_buffered: usize,
    /// socket.io-client's `retries`: when above 0, emits go out one at a time in order, each waiting for its ack
    /// (the server must ack every event), and one not acked within `ack_timeout_ms` or lost with the connection is
    /// sent again, up to this many more times. Default 0 (off).
    pub retries: u32,
    /// Transports in order of preference; default `[WebSocket, Polling]`: WebSocket first, long-polling once a
    /// WebSocket could not even complete the Engine.IO handshake.
    pub transports: Vec<TransportKind>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            url: "http://localhost:8080".into(),
            path: "/socket.io/".into(),
            namespace: "/".into(),
            query: String::new(),
            reconnection: true,
            reconnection_attempts: None,
            reconnection_delay_ms: 1000.0,
            reconnection_delay_max_ms: 5000.0,
            randomization_factor: 0.5,
            connect_timeout_ms: 20_000.0,
            ack_timeout_ms: 10_000.0,
            buffer_when_disconnected: true,
            max_buffered: 1000,
            retries: 0,
            transports: vec![TransportKind::WebSocket, TransportKind::Polling],
        }
    }
}

impl Config {
    /// A default configuration for `url`; its path is the namespace and its query goes with every request, as
    /// socket.io-client's `io(url)` reads them.
    pub fn new(url: impl Into<String>) -> Self {
        let url = url.into();
        let (namespace, query) = {
            let (path, query) = path_and_query(&url);
            (if path.is_empty() { "/".to_owned() } else { path.to_owned() }, query.to_owned())
        };
        Config { url, namespace, query, ..Config::default() }
    }

    /// The WebSocket URL of the Engine.IO endpoint, e.g. `ws://host:8080/socket.io/?EIO=4&transport=websocket`.
    pub fn websocket_url(&self) -> String {
        self.endpoint_url(true, "websocket")
    }

    /// The HTTP URL of the Engine.IO polling endpoint (without `sid`).
    pub fn polling_url(&self) -> String {
        self.endpoint_url(false, "polling")
    }

    /// The endpoint URL for `transport`.
    pub fn transport_url(&self, transport: TransportKind) -> String {
        match transport {
            TransportKind::WebSocket => self.websocket_url(),
            TransportKind::Polling => self.polling_url(),
        }
    }

    fn endpoint_url(&self, websocket: bool, transport: &str) -> String {
        let url = self.url.trim();
        // A byte search for "://", not `split_once("://")`: a `&str` pattern pulls in the two-way string searcher.
        let (scheme, rest) = split_scheme(url);
        let secure = scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("wss");
        let scheme = match (websocket, secure) {
            (true, true) => "wss",
            (true, false) => "ws",
            (false, true) => "https",
            (false, false) => "http",
        };
        // Keep only the authority: the path of `url` is the namespace, not Engine.IO's path.
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        // Pushed piece by piece rather than with `format!` (less code).
        let mut out = String::with_capacity(url.len() + self.path.len() + 32);
        for part in [scheme, "://", authority] {
            out.push_str(part);
        }
        if !self.path.starts_with('/') {
            out.push('/');
        }
        out.push_str(&self.path);
        if !out.ends_with('/') {
            out.push('/');
        }
        out.push_str("?EIO=4&transport=");
        out.push_str(transport);
        if !self.query.is_empty() {
            out.push('&');
            out.push_str(&self.query);
        }
        out
    }
}

/// `(scheme, rest)` of a URL; no scheme means `http`.
fn split_scheme(url: &str) -> (&str, &str) {
    // A byte search for "://", not `split_once("://")`: a `&str` pattern pulls in the two-way string searcher.
    match url.as_bytes().windows(3).position(|w| w == b"://") {
        Some(at) => (&url[..at], &url[at + 3..]),
        None => ("http", url),
    }
}

/// The path (`""` when none) and the query string (without `?`; fragment dropped) of a client URL.
fn path_and_query(url: &str) -> (&str, &str) {
    let (_, rest) = split_scheme(url.trim());
    let rest = rest.split('#').next().unwrap_or(rest);
    let (before, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = before.find('/').map_or("", |at| &before[at..]);
    (path, query)
}
