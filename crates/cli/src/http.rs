//! A small JSON client for the commands that talk to a running server (`sandoq guardian
//! decrypt --server URL`): GET and POST over HTTP or HTTPS (rustls, the web's roots), each with
//! a time limit; a problem document's `code` and Persian `detail` become the error.

use anyhow::{anyhow, bail, Context};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use std::time::Duration;

type Connector = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_mins(2);

pub struct Client {
    base: String,
    client: hyper_util::client::legacy::Client<Connector, http_body_util::Full<bytes::Bytes>>,
}

impl Client {
    /// A client of the server at `base` (`http://…` or `https://…`, without a trailing path).
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        let uri: hyper::Uri = base
            .parse()
            .with_context(|| format!("the server address {base:?}"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            bail!("the server address {base:?} is not http:// or https://");
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(Self { base, client })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.send(hyper::Method::GET, path, None).await
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<T> {
        self.send(hyper::Method::POST, path, Some(body.to_string()))
            .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: hyper::Method,
        path: &str,
        body: Option<String>,
    ) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let mut request = hyper::Request::builder()
            .method(method.clone())
            .uri(&url)
            .header(hyper::header::ACCEPT, "application/json");
        if body.is_some() {
            request = request.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(http_body_util::Full::new(bytes::Bytes::from(
                body.unwrap_or_default(),
            )))
            .with_context(|| format!("{method} {url}"))?;
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| anyhow!("{method} {url}: no answer within {REQUEST_TIMEOUT:?}"))?
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status();
        let bytes = tokio::time::timeout(REQUEST_TIMEOUT, response.into_body().collect())
            .await
            .map_err(|_| anyhow!("{method} {url}: the answer did not finish in time"))?
            .with_context(|| format!("{method} {url}"))?
            .to_bytes();
        if !status.is_success() {
            let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            bail!(
                "{method} {url}: {status} {} — {}",
                problem["code"].as_str().unwrap_or("?"),
                problem["detail"].as_str().unwrap_or_default()
            );
        }
        serde_json::from_slice(&bytes).with_context(|| format!("{method} {url}: the answer"))
    }
}
