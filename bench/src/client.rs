//! A small HTTP/1.1 client over hyper-util's pooled (keep-alive) legacy client.

use anyhow::{bail, Context};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;
use std::time::Duration;

/// The longest a single request may take before the benchmark gives up.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A keep-alive client bound to one server address.
#[derive(Clone)]
pub struct Http {
    inner: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
    base: String,
}

/// A whole response, body read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The value of cookie `name` set by this response, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| v.to_owned())
    }

    /// Fails unless the status is `expected`.
    pub fn expect_status(self, expected: StatusCode, what: &str) -> anyhow::Result<Self> {
        self.check_status(expected, what)?;
        Ok(self)
    }

    /// [`Self::expect_status`] without taking the reply.
    pub fn check_status(&self, expected: StatusCode, what: &str) -> anyhow::Result<()> {
        if self.status != expected {
            bail!(
                "{what}: HTTP {} (expected {expected}): {}",
                self.status,
                self.body_head()
            );
        }
        Ok(())
    }

    /// The start of the body, for error messages.
    pub fn body_head(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(300)
            .collect()
    }
}

impl Http {
    /// A client keeping up to `max_idle` connections open to `addr`.
    pub fn new(addr: SocketAddr, max_idle: usize) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(max_idle)
            .pool_idle_timeout(Duration::from_mins(5))
            .build(connector);
        Self {
            inner,
            base: format!("http://{addr}"),
        }
    }

    /// A request to `path` on the server, with the given headers and body.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(header::HeaderName, String)],
        body: Bytes,
    ) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            builder = builder.header(name, HeaderValue::from_str(value)?);
        }
        Ok(builder.body(Full::new(body))?)
    }

    /// Sends a request and reads the whole body, within [`REQUEST_TIMEOUT`].
    pub async fn send(&self, request: Request<Full<Bytes>>) -> anyhow::Result<Reply> {
        let uri = request.uri().clone();
        let exchange = async {
            let response = self.inner.request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            anyhow::Ok(Reply {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .with_context(|| format!("{uri}: no answer within {REQUEST_TIMEOUT:?}"))?
            .with_context(|| format!("{uri}: request failed"))
    }
}

/// Logs in through the API and returns the bearer token.
pub async fn api_login(http: &Http, username: &str, password: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    let request = http.request(
        Method::POST,
        "/api/v1/auth/login",
        &[(header::CONTENT_TYPE, "application/json".into())],
        Bytes::from(body),
    )?;
    let reply = http
        .send(request)
        .await?
        .expect_status(StatusCode::OK, "POST /api/v1/auth/login")?;
    let value: serde_json::Value = serde_json::from_slice(&reply.body)?;
    value["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("the login answer has no token"))
}

/// Logs in through the HTML form (login CSRF cookie and field) and returns the session cookie.
pub async fn form_login(
    http: &Http,
    username: &str,
    password: &str,
    next: &str,
) -> anyhow::Result<String> {
    let page = http
        .send(http.request(Method::GET, "/login", &[], Bytes::new())?)
        .await?
        .expect_status(StatusCode::OK, "GET /login")?;
    let cookie = page
        .set_cookie(web::auth::LOGIN_CSRF_COOKIE)
        .ok_or_else(|| anyhow::anyhow!("GET /login set no login CSRF cookie"))?;
    let html = String::from_utf8_lossy(&page.body);
    let field = input_value(&html, web::auth::CSRF_FIELD)
        .ok_or_else(|| anyhow::anyhow!("the login form has no CSRF field"))?;
    let form = format!(
        "username={}&password={}&csrf_token={}&next={}",
        form_encode(username),
        form_encode(password),
        form_encode(&field),
        form_encode(next)
    );
    let request = http.request(
        Method::POST,
        "/login",
        &[
            (
                header::CONTENT_TYPE,
                "application/x-www-form-urlencoded".into(),
            ),
            (
                header::COOKIE,
                format!("{}={cookie}", web::auth::LOGIN_CSRF_COOKIE),
            ),
        ],
        Bytes::from(form),
    )?;
    let reply = http.send(request).await?;
    if !reply.status.is_redirection() {
        bail!("POST /login: HTTP {} (expected a redirect)", reply.status);
    }
    reply
        .set_cookie(web::auth::SESSION_COOKIE)
        .ok_or_else(|| anyhow::anyhow!("POST /login set no session cookie"))
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `value` attribute of the `<input name="NAME" …>` in an HTML page.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let value = tag.split("value=\"").nth(1)?;
    Some(value.split('"').next()?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_input_value() {
        let html = r#"<form><input type="hidden" name="csrf_token" value="a-b_c"><input name="next" value="/x"></form>"#;
        assert_eq!(input_value(html, "csrf_token").as_deref(), Some("a-b_c"));
        assert_eq!(input_value(html, "next").as_deref(), Some("/x"));
        assert_eq!(input_value(html, "missing"), None);
    }

    #[test]
    fn encodes_form_values() {
        assert_eq!(form_encode("a b/ج"), "a+b%2F%D8%AC");
    }
}
