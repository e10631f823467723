//! A headless Chromium driven over the DevTools protocol (CDP) through a pipe, for the tests
//! that look at eksharden's HTML report as a browser shows it: what the console said, which
//! requests the page made, what a script finds on it, where a click lands, a screenshot.
//!
//! Chromium reads the protocol from its file descriptor 3 and writes to 4
//! (`--remote-debugging-pipe`), one JSON message each, ended by a NUL byte; a shell maps those
//! to the child's standard input and output, so no unsafe code is needed.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

/// The Chromium binary (the Debian package's name), found on `PATH`.
pub const CHROMIUM: &str = "chromium";

/// Makes sure Chromium is installed: the Debian package, installed with apt when missing
/// (as root, as CI runs); else says how to install it.
pub fn ensure() -> Result<(), String> {
    let installed = || Command::new(CHROMIUM).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if installed().is_ok_and(|s| s.success()) {
        return Ok(());
    }
    eprintln!("setup: installing {CHROMIUM} (the Debian package) for the report's browser test");
    let apt = "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium";
    let status = Command::new("sh").args(["-c", apt]).status().map_err(|e| e.to_string())?;
    match installed() {
        Ok(s) if s.success() => Ok(()),
        _ => Err(format!("{CHROMIUM} is not installed and apt could not install it ({status}): install the Debian package `chromium`")),
    }
}

/// A headless Chromium with one page, attached.
pub struct Browser {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: u64,
    session: String,
    /// Every event received so far, in order.
    pub events: Vec<Value>,
    /// The browser's own profile directory, removed with it.
    profile: PathBuf,
}

impl Browser {
    /// Starts Chromium headless with a fresh profile and opens a blank page of `width` by
    /// `height` pixels. Fails, saying so, when Chromium is not installed.
    pub fn start(width: u32, height: u32) -> Result<Self, String> {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let profile = std::env::temp_dir().join(format!("eksharden-chromium-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&profile).map_err(|e| e.to_string())?;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 0</dev/null 1>&2")
            .arg(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {CHROMIUM} (install the Debian package `chromium`): {e}"))?;
        let input = child.stdin.take().expect("piped");
        let output = BufReader::new(child.stdout.take().expect("piped"));
        let mut browser =
            Self { child, input, output, next_id: 0, session: String::new(), events: Vec::new(), profile };
        let target = browser.call_browser("Target.createTarget", json!({ "url": "about:blank" }))?;
        let target = target["targetId"].as_str().ok_or("no target id")?.to_owned();
        let attached = browser.call_browser("Target.attachToTarget", json!({ "targetId": target, "flatten": true }))?;
        browser.session = attached["sessionId"].as_str().ok_or("no session id")?.to_owned();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable", "Network.enable"] {
            browser.call(domain, json!({}))?;
        }
        browser.resize(width, height)?;
        Ok(browser)
    }

    /// Gives the page a viewport of `width` by `height` pixels.
    pub fn resize(&mut self, width: u32, height: u32) -> Result<(), String> {
        let metrics = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 });
        self.call("Emulation.setDeviceMetricsOverride", metrics).map(|_| ())
    }

    /// Opens `file` and waits until it has loaded.
    pub fn open(&mut self, file: &Path) -> Result<(), String> {
        let url = format!("file://{}", file.display());
        self.call("Page.navigate", json!({ "url": url }))?;
        self.wait_for("Page.loadEventFired")
    }

    /// The value of `expression` evaluated in the page (a JSON value).
    pub fn evaluate(&mut self, expression: &str) -> Result<Value, String> {
        let result = self.call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true }))?;
        if let Some(exception) = result.get("exceptionDetails") {
            return Err(format!("{expression}: {exception}"));
        }
        Ok(result["result"]["value"].clone())
    }

    /// Clicks with the mouse at the centre of the first element `selector` finds (scrolled
    /// into view first), as a person would.
    pub fn click(&mut self, selector: &str) -> Result<(), String> {
        let found = self.evaluate(&format!(
            "(function () {{ var e = document.querySelector({selector:?}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); var r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        ))?;
        let (x, y) = match found.as_array().map(|a| (a[0].as_f64(), a[1].as_f64())) {
            Some((Some(x), Some(y))) => (x, y),
            _ => return Err(format!("nothing on the page matches {selector}")),
        };
        for kind in ["mousePressed", "mouseReleased"] {
            let event = json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 });
            self.call("Input.dispatchMouseEvent", event)?;
        }
        Ok(())
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot(&mut self) -> Result<Vec<u8>, String> {
        use base64::Engine;
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }))?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| e.to_string())
    }

    /// What the console said at level error, and the exceptions the page threw.
    pub fn console_errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|event| match event["method"].as_str()? {
                "Runtime.exceptionThrown" => Some(event["params"]["exceptionDetails"].to_string()),
                "Runtime.consoleAPICalled" if event["params"]["type"] == "error" => {
                    Some(event["params"]["args"].to_string())
                }
                "Log.entryAdded" if event["params"]["entry"]["level"] == "error" => {
                    Some(event["params"]["entry"]["text"].to_string())
                }
                _ => None,
            })
            .collect()
    }

    /// The URLs of the requests the page made.
    pub fn requests(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .filter_map(|e| e["params"]["request"]["url"].as_str().map(str::to_owned))
            .collect()
    }

    /// Calls `method` on the page.
    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = self.session.clone();
        self.send(method, params, Some(&session))
    }

    /// Calls `method` on the browser.
    fn call_browser(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.send(method, params, None)
    }

    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = session.into();
        }
        let mut bytes = serde_json::to_vec(&message).expect("plain JSON");
        bytes.push(0);
        self.input.write_all(&bytes).map_err(|e| format!("{method}: {e}"))?;
        self.input.flush().map_err(|e| format!("{method}: {e}"))?;
        loop {
            let message = self.receive()?;
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method}: {error}"));
                }
                return Ok(message["result"].clone());
            }
            self.events.push(message);
        }
    }

    /// Reads messages until event `method` arrives.
    fn wait_for(&mut self, method: &str) -> Result<(), String> {
        loop {
            let message = self.receive()?;
            let arrived = message["method"] == method;
            self.events.push(message);
            if arrived {
                return Ok(());
            }
        }
    }

    fn receive(&mut self) -> Result<Value, String> {
        let mut bytes = Vec::new();
        let read = self.output.read_until(0, &mut bytes).map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("Chromium closed the pipe".to_owned());
        }
        bytes.pop();
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
