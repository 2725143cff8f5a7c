//! Text messages to mobile phones (the one-time codes of `identity`), through a gateway: a
//! provider's HTTP API in production, or an outbox that keeps the messages on this machine
//! (the demo shows them on a page; the tests read them).

use async_trait::async_trait;
use domain::ids::MobileNumber;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
#[error("text message not sent: {0}")]
pub struct SmsError(pub String);

/// Sends a text message. The code is sent only once the challenge is recorded, so a failed
/// send costs the asker one of their codes, never a code that works unrecorded.
#[async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    /// Sends `text` to `to`; `at` is now by the server's clock (the outbox keeps it).
    async fn send(
        &self,
        to: &MobileNumber,
        text: &str,
        at: time::OffsetDateTime,
    ) -> Result<(), SmsError>;
}

/// A message as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sent {
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    pub to: String,
    pub text: String,
}

/// Messages kept on this machine instead of sent: the newest [`Outbox::KEPT`] in memory and,
/// when a file is given, every one appended to it as a JSON line (0600: the codes are live).
#[derive(Debug, Default)]
pub struct Outbox {
    file: Option<PathBuf>,
    kept: Mutex<VecDeque<Sent>>,
}

impl Outbox {
    /// How many messages the outbox shows.
    pub const KEPT: usize = 50;

    pub fn in_memory() -> Self {
        Self::default()
    }

    pub fn with_file(path: impl Into<PathBuf>) -> Self {
        Self {
            file: Some(path.into()),
            kept: Mutex::default(),
        }
    }

    /// The messages kept, newest first.
    pub fn messages(&self) -> Vec<Sent> {
        self.kept
            .lock()
            .map(|kept| kept.iter().rev().cloned().collect())
            .unwrap_or_default()
    }

    /// The newest message to `to`, if any.
    pub fn last_to(&self, to: &str) -> Option<Sent> {
        self.messages().into_iter().find(|m| m.to == to)
    }

    fn append(path: &std::path::Path, sent: &Sent) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        let line = serde_json::to_string(sent).map_err(std::io::Error::other)?;
        writeln!(file, "{line}")
    }
}

#[async_trait]
impl SmsGateway for Outbox {
    async fn send(
        &self,
        to: &MobileNumber,
        text: &str,
        at: time::OffsetDateTime,
    ) -> Result<(), SmsError> {
        let sent = Sent {
            at,
            to: to.as_str().to_owned(),
            text: text.to_owned(),
        };
        if let Some(path) = self.file.clone() {
            let line = sent.clone();
            tokio::task::spawn_blocking(move || Self::append(&path, &line))
                .await
                .map_err(|e| SmsError(e.to_string()))?
                .map_err(|e| SmsError(e.to_string()))?;
        }
        let mut kept = self.kept.lock().map_err(|e| SmsError(e.to_string()))?;
        if kept.len() == Self::KEPT {
            kept.pop_front();
        }
        kept.push_back(sent);
        Ok(())
    }
}

/// A provider's HTTP API: each message is `POST`ed to `url` as JSON
/// (`{"to": "0913…", "text": "…"}`) with `Authorization: Bearer <key>`; any 2xx answer is
/// taken as accepted. HTTPS is checked against the Mozilla roots built in.
pub struct HttpGateway {
    url: hyper::Uri,
    key: String,
    client: hyper_util::client::legacy::Client<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        http_body_util::Full<bytes::Bytes>,
    >,
}

impl std::fmt::Debug for HttpGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("HttpGateway")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// How long a provider may take to answer.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

impl HttpGateway {
    pub fn new(url: &str, key: impl Into<String>) -> Result<Self, SmsError> {
        let url: hyper::Uri = url
            .parse()
            .map_err(|e| SmsError(format!("gateway address {url:?}: {e}")))?;
        if !matches!(url.scheme_str(), Some("http" | "https")) {
            return Err(SmsError(format!(
                "gateway address {url}: not http or https"
            )));
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(Self {
            url,
            key: key.into(),
            client,
        })
    }
}

#[async_trait]
impl SmsGateway for HttpGateway {
    async fn send(
        &self,
        to: &MobileNumber,
        text: &str,
        _at: time::OffsetDateTime,
    ) -> Result<(), SmsError> {
        let body = serde_json::json!({"to": to.as_str(), "text": text}).to_string();
        let request = hyper::Request::post(self.url.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::AUTHORIZATION, format!("Bearer {}", self.key))
            .body(http_body_util::Full::new(bytes::Bytes::from(body)))
            .map_err(|e| SmsError(e.to_string()))?;
        let response = tokio::time::timeout(SEND_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| SmsError("the gateway did not answer in time".into()))?
            .map_err(|e| SmsError(e.to_string()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(SmsError(format!(
                "the gateway answered {}",
                response.status()
            )))
        }
    }
}

/// The gateway the use cases send through, and the outbox when it is one (for the demo's
/// page and the tests).
#[derive(Clone)]
pub struct Sms {
    gateway: Arc<dyn SmsGateway>,
    outbox: Option<Arc<Outbox>>,
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sms")
            .field("outbox", &self.outbox.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Sms {
    /// An outbox in memory: nothing leaves the machine.
    fn default() -> Self {
        Self::outbox(Arc::new(Outbox::in_memory()))
    }
}

impl Sms {
    pub fn outbox(outbox: Arc<Outbox>) -> Self {
        Self {
            gateway: outbox.clone(),
            outbox: Some(outbox),
        }
    }

    pub fn gateway(gateway: Arc<dyn SmsGateway>) -> Self {
        Self {
            gateway,
            outbox: None,
        }
    }

    /// The outbox, when messages are kept rather than sent.
    pub fn kept(&self) -> Option<&Arc<Outbox>> {
        self.outbox.as_ref()
    }

    pub(crate) fn sender(&self) -> &dyn SmsGateway {
        &*self.gateway
    }
}
