//! A small HTTP proxy in front of the emulator that answers a chosen share of calls with a
//! throttling error, an HTTP 500, or a dropped connection, holds back calls of one action for
//! a while (to make two runs meet at the same step), and counts calls per action.
//!
//! Faults are drawn from a seeded generator, so a run is repeatable. Each connection carries
//! one request (`Connection: close`), which keeps the proxy simple and the counts exact.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The share of calls that get each fault, from 0.0 to 1.0.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Answered with the service's throttling error.
    pub throttle: f64,
    /// Answered with HTTP 500.
    pub server_error: f64,
    /// Closed without an answer.
    pub drop_connection: f64,
    /// Calls of this action (as [`Counts`] names them) are passed on only after this long.
    pub delay: Option<(&'static str, Duration)>,
    /// Calls of this action are refused, every time, as AWS refuses a caller without the
    /// permission (EC2's `UnauthorizedOperation`, the others' `AccessDenied`).
    pub deny: Option<&'static str>,
    /// Every call signed for this region is refused, as AWS refuses a caller a region it may
    /// not use.
    pub deny_region: Option<&'static str>,
}

/// What the proxy saw.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Calls per action (`ec2:DescribeSubnets`, `eks:GET /clusters/{name}`), faulted or not.
    pub calls: BTreeMap<String, usize>,
    /// Calls answered with a fault.
    pub faults: usize,
}

impl Counts {
    /// All calls.
    pub fn total(&self) -> usize {
        self.calls.values().sum()
    }
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    address: SocketAddr,
    counts: Arc<Mutex<Counts>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` with the given faults and random seed.
    pub fn start(upstream: SocketAddr, faults: Faults, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let address = listener.local_addr().expect("an address");
        let counts = Arc::new(Mutex::new(Counts::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (counts, stop) = (counts.clone(), stop.clone());
            let random = Arc::new(Mutex::new(XorShift(seed | 1)));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let (counts, random) = (counts.clone(), random.clone());
                            std::thread::spawn(move || {
                                let _ = serve(client, upstream, faults, &counts, &random);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        Self { address, counts, stop, thread: Some(thread) }
    }

    /// The endpoint URL to give AWS clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// What the proxy has seen so far.
    pub fn counts(&self) -> Counts {
        self.counts.lock().expect("counts").clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct XorShift(u64);

impl XorShift {
    /// A number in [0, 1).
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Request {
    head: Vec<String>,
    body: Vec<u8>,
}

impl Request {
    fn read(stream: &mut BufReader<TcpStream>) -> std::io::Result<Self> {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let line = line.trim_end_matches(['\r', '\n']).to_owned();
            if line.is_empty() {
                break;
            }
            head.push(line);
        }
        let length = head
            .iter()
            .find_map(|h| {
                h.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .map(|(_, v)| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        stream.read_exact(&mut body)?;
        Ok(Self { head, body })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head
            .iter()
            .skip(1)
            .find_map(|h| h.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
    }

    /// The service, from the SigV4 credential scope (`…/eu-west-1/ec2/aws4_request`).
    fn service(&self) -> String {
        self.scope(3)
    }

    /// The region, from the SigV4 credential scope.
    fn region(&self) -> String {
        self.scope(2)
    }

    /// Part `n` of the SigV4 credential scope (`KEY/DATE/REGION/SERVICE/aws4_request`).
    fn scope(&self, n: usize) -> String {
        self.header("authorization")
            .and_then(|auth| auth.split("Credential=").nth(1))
            .and_then(|credential| credential.split('/').nth(n))
            .unwrap_or("unknown")
            .to_owned()
    }

    /// `service:Action` for query and JSON-target protocols, `service:METHOD /path` with ids
    /// blurred otherwise.
    fn action(&self) -> String {
        let service = self.service();
        if let Some(target) = self.header("x-amz-target") {
            return format!("{service}:{}", target.rsplit('.').next().unwrap_or(target));
        }
        let body = String::from_utf8_lossy(&self.body);
        if let Some(action) = body.split('&').find_map(|p| p.strip_prefix("Action=")) {
            return format!("{service}:{action}");
        }
        let mut parts = self.head[0].split(' ');
        let method = parts.next().unwrap_or("");
        let path = parts.next().unwrap_or("").split('?').next().unwrap_or("");
        let shape: Vec<&str> =
            path.split('/').enumerate().map(|(i, p)| if i % 2 == 0 && i > 0 { "{}" } else { p }).collect();
        format!("{service}:{method} {}", shape.join("/"))
    }

    fn uses_json(&self) -> bool {
        self.header("content-type").is_some_and(|c| c.contains("json"))
            || !String::from_utf8_lossy(&self.body).contains("Action=")
    }
}

fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    faults: Faults,
    counts: &Mutex<Counts>,
    random: &Mutex<XorShift>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let request = Request::read(&mut reader)?;
    let draw = random.lock().expect("random").next();
    let mut client = client;
    {
        let mut counts = counts.lock().expect("counts");
        *counts.calls.entry(request.action()).or_default() += 1;
        if draw < faults.throttle + faults.server_error + faults.drop_connection {
            counts.faults += 1;
        }
    }
    if draw < faults.throttle {
        return client.write_all(&throttling_response(&request));
    }
    if draw < faults.throttle + faults.server_error {
        return client
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    if draw < faults.throttle + faults.server_error + faults.drop_connection {
        return client.shutdown(Shutdown::Both);
    }
    if faults.deny.is_some_and(|action| request.action() == action)
        || faults.deny_region.is_some_and(|region| request.region() == region)
    {
        return client.write_all(&denied_response(&request));
    }
    if let Some((action, pause)) = faults.delay {
        if request.action() == action {
            std::thread::sleep(pause);
        }
    }
    let mut server = TcpStream::connect(upstream)?;
    for (i, line) in request.head.iter().enumerate() {
        let keep = i == 0 || !line.to_ascii_lowercase().starts_with("connection:");
        if keep {
            write!(server, "{line}\r\n")?;
        }
    }
    server.write_all(b"Connection: close\r\n\r\n")?;
    server.write_all(&request.body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    client.write_all(&response)?;
    client.shutdown(Shutdown::Both)
}

/// The access-denied answer each protocol family uses.
fn denied_response(request: &Request) -> Vec<u8> {
    error_response(
        request,
        [
            ("403 Forbidden", "AccessDeniedException"),
            ("403 Forbidden", "UnauthorizedOperation"),
            ("403 Forbidden", "AccessDenied"),
        ],
        "You are not authorized to perform this operation.",
    )
}

/// The throttling answer each protocol family uses.
fn throttling_response(request: &Request) -> Vec<u8> {
    error_response(
        request,
        [
            ("429 Too Many Requests", "ThrottlingException"),
            ("503 Service Unavailable", "RequestLimitExceeded"),
            ("400 Bad Request", "Throttling"),
        ],
        "Rate exceeded",
    )
}

/// An error in the request's protocol family, with the status and code given for each:
/// JSON (`x-amzn-ErrorType`), EC2's XML, and the other query protocols' XML.
fn error_response(request: &Request, [json, ec2, query]: [(&str, &str); 3], message: &str) -> Vec<u8> {
    let (status, content_type, extra, body) = if request.uses_json() {
        (
            json.0,
            "application/json",
            format!("x-amzn-ErrorType: {}\r\n", json.1),
            format!(r#"{{"message":"{message}"}}"#),
        )
    } else if request.service() == "ec2" {
        let body = format!("<Response><Errors><Error><Code>{}</Code><Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>", ec2.1);
        (ec2.0, "text/xml", String::new(), body)
    } else {
        let body = format!("<ErrorResponse><Error><Type>Sender</Type><Code>{}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>", query.1);
        (query.0, "text/xml", String::new(), body)
    };
    format!("HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).into_bytes()
}
