//! The `attachment:` URI scheme: the WebView asks for `attachment://localhost/<sha256>`
//! (`http://attachment.localhost/<sha256>` on Windows) and gets that stored file's bytes,
//! with HTTP Range support so <audio> and <video> can seek. The request names a content
//! hash only (64 lower-case hex, checked by `Store::attachment_path`), never a path, so
//! the WebView can read attachments and nothing else on disk. Bytes are read from the
//! file per request, at most `MAX_CHUNK` at a time: a 200 MB video is never held whole.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use tauri::http::{header, Method, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::error::CommandError;
use crate::ipc::Cx;

pub const SCHEME: &str = "attachment";

/// The most one response carries. Media elements ask for ranges and get this much at a
/// time; a request without a Range header for a bigger file gets its first chunk as 206.
const MAX_CHUNK: u64 = 4 << 20;

/// Registered with `register_asynchronous_uri_scheme_protocol`: looks the hash up under
/// the store's lock, then reads the file on its own thread so the UI never waits on disk.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let hash = request.uri().path().trim_start_matches('/').to_string();
    let found = lookup(ctx.app_handle(), &hash);
    std::thread::spawn(move || responder.respond(respond(&request, found)));
}

/// Where a stored attachment is on this laptop, as text, so a file the app cannot show
/// can be opened in another program. Takes a content hash only, never a path.
pub fn attachment_location(cx: &Cx, sha256: String) -> Result<String, CommandError> {
    Ok(cx
        .store()?
        .attachment_path(sha256.trim())?
        .display()
        .to_string())
}

fn status(code: StatusCode) -> Response<Vec<u8>> {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(
            code.canonical_reason()
                .unwrap_or("error")
                .as_bytes()
                .to_vec(),
        )
        .expect("a plain status response is valid")
}

/// One byte range `start..=end` from a `Range: bytes=…` header (single ranges only).
fn parse_range(value: &str, size: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        (size.saturating_sub(n), size - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            size - 1
        } else {
            b.parse::<u64>().ok()?.min(size - 1)
        };
        (start, end)
    };
    (start <= end && start < size).then_some((start, end))
}

/// What to send for one request: status, headers and which bytes of which file.
struct Plan {
    status: StatusCode,
    headers: Vec<(header::HeaderName, String)>,
    /// The open file, the first byte and how many bytes (none for HEAD or errors).
    bytes: Option<(File, u64, u64)>,
    /// Plain-text body for refusals.
    text: &'static str,
}

fn refusal(code: StatusCode) -> Plan {
    Plan {
        status: code,
        headers: vec![(header::CONTENT_TYPE, "text/plain".into())],
        bytes: None,
        text: code.canonical_reason().unwrap_or("error"),
    }
}

/// Decides the response for a request whose hash was resolved to `found` (a file and its
/// type) or refused with a status. A response carries at most `max` bytes: a request
/// without a Range header for a bigger file gets its first `max` bytes as 206.
fn plan(
    method: &Method,
    range: Option<&str>,
    found: Result<(PathBuf, String), StatusCode>,
    max: u64,
) -> Plan {
    if method != Method::GET && method != Method::HEAD {
        return refusal(StatusCode::METHOD_NOT_ALLOWED);
    }
    let (path, media_type) = match found {
        Ok(found) => found,
        Err(code) => return refusal(code),
    };
    let Ok(file) = File::open(&path) else {
        return refusal(StatusCode::NOT_FOUND);
    };
    let Ok(size) = file.metadata().map(|m| m.len()) else {
        return refusal(StatusCode::NOT_FOUND);
    };
    let (start, end, partial) = match range {
        Some(value) => match parse_range(value, size) {
            Some((start, end)) => (start, end.min(start + max - 1), true),
            None => {
                let mut p = refusal(StatusCode::RANGE_NOT_SATISFIABLE);
                p.headers
                    .push((header::CONTENT_RANGE, format!("bytes */{size}")));
                return p;
            }
        },
        None if size > max => (0, max - 1, true),
        None => (0, size.saturating_sub(1), false),
    };
    let len = if size == 0 { 0 } else { end - start + 1 };
    let mut headers = vec![
        (header::CONTENT_TYPE, media_type),
        (header::CONTENT_LENGTH, len.to_string()),
        (header::ACCEPT_RANGES, "bytes".into()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        // Content-addressed: the bytes under a hash never change.
        (
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable".into(),
        ),
    ];
    if partial {
        headers.push((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
    }
    Plan {
        status: if partial {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        },
        headers,
        bytes: (method == Method::GET && len > 0).then_some((file, start, len)),
        text: "",
    }
}

/// The scheme's response: the planned bytes read into memory, at most `MAX_CHUNK`.
pub fn respond(
    request: &Request<Vec<u8>>,
    found: Result<(PathBuf, String), StatusCode>,
) -> Response<Vec<u8>> {
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let p = plan(request.method(), range, found, MAX_CHUNK);
    let body = match p.bytes {
        Some((mut file, start, len)) => {
            let mut body = Vec::with_capacity(len as usize);
            let read = file
                .seek(SeekFrom::Start(start))
                .and_then(|_| file.take(len).read_to_end(&mut body));
            if read.is_err() {
                return status(StatusCode::NOT_FOUND);
            }
            body
        }
        None => p.text.as_bytes().to_vec(),
    };
    let mut response = Response::builder().status(p.status);
    for (name, value) in p.headers {
        response = response.header(name, value);
    }
    response
        .body(body)
        .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
}

/// WebKitGTK plays <audio> and <video> only from http(s), blob and file URLs: its media
/// source element has no handler for custom schemes (`webKitWebSrcGetProtocols`), so on
/// Linux the same hash-only responses are also served over loopback HTTP for media.
/// Bound to 127.0.0.1 on a random port; every request must carry this process's random
/// token (given only to the main window through `attachment_media_base`) and a `Host`
/// naming the bound address. Files are streamed straight from disk to the socket.
#[cfg(target_os = "linux")]
pub mod relay {
    use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use tauri::http::{Method, StatusCode};
    use tauri::{AppHandle, Runtime};

    use super::{lookup, plan};

    const CONNECTIONS: usize = 16;

    /// Starts the relay; returns `http://127.0.0.1:<port>/<token>/`.
    pub fn start<R: Runtime>(app: &AppHandle<R>) -> std::io::Result<String> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let port = listener.local_addr()?.port();
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let host = format!("127.0.0.1:{port}");
        let base = format!("http://{host}/{token}/");
        let app = app.clone();
        let open = Arc::new(AtomicUsize::new(0));
        std::thread::Builder::new()
            .name("attachment-relay".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    if open.fetch_add(1, Ordering::SeqCst) >= CONNECTIONS {
                        open.fetch_sub(1, Ordering::SeqCst);
                        continue;
                    }
                    let (app, token, host, open) =
                        (app.clone(), token.clone(), host.clone(), open.clone());
                    std::thread::spawn(move || {
                        let _ = serve(&app, stream, &token, &host);
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            })?;
        Ok(base)
    }

    fn serve<R: Runtime>(
        app: &AppHandle<R>,
        stream: TcpStream,
        token: &str,
        host: &str,
    ) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = BufReader::new(stream.try_clone()?).take(16 * 1024);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("");
        let target = parts.next().unwrap_or("");
        let (mut range, mut host_ok) = (None, false);
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
                if name == "range" {
                    range = Some(value.to_string());
                } else if name == "host" {
                    host_ok = value == host;
                }
            }
        }
        let method = match method {
            "GET" => Method::GET,
            "HEAD" => Method::HEAD,
            _ => Method::OPTIONS,
        };
        let hash = target
            .strip_prefix('/')
            .and_then(|t| t.strip_prefix(token))
            .and_then(|t| t.strip_prefix('/'));
        let found = match hash {
            Some(hash) if host_ok => lookup(app, hash),
            _ => Err(StatusCode::FORBIDDEN),
        };
        let p = plan(&method, range.as_deref(), found, u64::MAX / 2);
        let mut out = stream;
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nConnection: close\r\n",
            p.status.as_u16(),
            p.status.canonical_reason().unwrap_or("")
        );
        for (name, value) in &p.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if p.bytes.is_none() && !p.headers.iter().any(|(n, _)| n == "content-length") {
            head.push_str(&format!("Content-Length: {}\r\n", p.text.len()));
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        match p.bytes {
            Some((mut file, start, len)) => {
                file.seek(SeekFrom::Start(start))?;
                std::io::copy(&mut file.take(len), &mut out)?;
            }
            None if method == Method::GET => out.write_all(p.text.as_bytes())?,
            None => {}
        }
        out.flush()
    }
}

/// Where the main window loads <audio> and <video> from when the attachment: scheme
/// cannot serve media (Linux): `http://127.0.0.1:<port>/<token>/`, else None.
pub struct MediaBase(pub Option<String>);

/// Starts the Linux media relay (if this platform needs it) and records its address.
pub fn setup<R: Runtime>(app: &mut tauri::App<R>) -> Result<(), Box<dyn std::error::Error>> {
    #[cfg(target_os = "linux")]
    let base = match relay::start(app.handle()) {
        Ok(base) => Some(base),
        Err(error) => {
            eprintln!("Trellis could not start its local media relay ({error}); recordings will not play in the app");
            None
        }
    };
    #[cfg(not(target_os = "linux"))]
    let base = None;
    app.manage(MediaBase(base));
    Ok(())
}

/// The base URL for media, or None to use the attachment: scheme.
pub fn attachment_media_base(cx: &Cx) -> Result<Option<String>, CommandError> {
    Ok(cx.app().state::<MediaBase>().0.clone())
}

/// Looks a requested name up as a content hash, under the store's lock.
fn lookup<R: Runtime>(
    app: &tauri::AppHandle<R>,
    hash: &str,
) -> Result<(PathBuf, String), StatusCode> {
    match app.state::<crate::commands::AppState>().store() {
        Ok(store) => match store.attachment_path(hash) {
            Ok(path) => Ok((
                path,
                store
                    .attachment_media_type(hash)
                    .unwrap_or_else(|_| "application/octet-stream".into()),
            )),
            Err(trellis_store::StoreError::NotFound { .. }) => Err(StatusCode::NOT_FOUND),
            Err(_) => Err(StatusCode::BAD_REQUEST),
        },
        Err(_) => Err(StatusCode::SERVICE_UNAVAILABLE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(range: Option<&str>) -> Request<Vec<u8>> {
        let mut b = Request::builder().uri("attachment://localhost/x");
        if let Some(r) = range {
            b = b.header(header::RANGE, r);
        }
        b.body(Vec::new()).unwrap()
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-", 10), Some((0, 9)));
        assert_eq!(parse_range("bytes=2-4", 10), Some((2, 4)));
        assert_eq!(parse_range("bytes=-3", 10), Some((7, 9)));
        assert_eq!(parse_range("bytes=5-100", 10), Some((5, 9)));
        assert_eq!(parse_range("bytes=10-", 10), None);
        assert_eq!(parse_range("bytes=0-1,3-4", 10), None);
        assert_eq!(parse_range("items=0-1", 10), None);
    }

    #[test]
    fn serves_whole_files_ranges_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        let found = || Ok((path.clone(), "audio/wav".to_string()));

        let whole = respond(&get(None), found());
        assert_eq!(whole.status(), StatusCode::OK);
        assert_eq!(whole.body(), b"0123456789");
        assert_eq!(whole.headers()[header::CONTENT_TYPE], "audio/wav");

        let part = respond(&get(Some("bytes=2-4")), found());
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.body(), b"234");
        assert_eq!(part.headers()[header::CONTENT_RANGE], "bytes 2-4/10");

        let past = respond(&get(Some("bytes=20-")), found());
        assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);

        assert_eq!(
            respond(&get(None), Err(StatusCode::BAD_REQUEST)).status(),
            StatusCode::BAD_REQUEST
        );
        let post = Request::builder()
            .method(Method::POST)
            .uri("attachment://localhost/x")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            respond(&post, found()).status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    #[test]
    fn only_hashes_reach_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = trellis_store::Store::open(&dir.path().join("t.sqlite3")).unwrap();
        for bad in [
            "../t.sqlite3",
            "%2e%2e%2ft.sqlite3",
            "/etc/passwd",
            &"A".repeat(64),
        ] {
            assert!(
                matches!(
                    store.attachment_path(bad),
                    Err(trellis_store::StoreError::Invalid(_))
                ),
                "{bad} was not refused"
            );
        }
    }
}
