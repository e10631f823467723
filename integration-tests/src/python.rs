//! A virtual environment with the pinned Python tools of `python-requirements.txt`.
//!
//! It lives in `$EKSHARDEN_PYTHON_ENV`, or else in `eksharden-python` under the Cargo target
//! directory. The first caller installs it under a file lock, so test binaries running in
//! parallel install it once; a stamp of the requirements makes a changed pin reinstall.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned requirements.
pub const REQUIREMENTS: &str = include_str!("../python-requirements.txt");

/// A ready virtual environment.
#[derive(Debug, Clone)]
pub struct PythonEnv {
    root: PathBuf,
}

impl PythonEnv {
    /// The environment, installed if it is missing or stale.
    pub fn ensure() -> Result<Self, String> {
        let root = match std::env::var_os("EKSHARDEN_PYTHON_ENV") {
            Some(dir) => PathBuf::from(dir),
            None => target_dir()?.join("eksharden-python"),
        };
        fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
        let lock = File::create(root.join(".lock")).map_err(|e| format!("cannot create the lock file: {e}"))?;
        lock.lock().map_err(|e| format!("cannot lock {}: {e}", root.display()))?;
        let env = Self { root };
        let stamp = env.root.join("requirements.stamp");
        if fs::read_to_string(&stamp).ok().as_deref() != Some(REQUIREMENTS) {
            env.install()?;
            fs::write(&stamp, REQUIREMENTS).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
        }
        Ok(env)
    }

    fn install(&self) -> Result<(), String> {
        let venv = self.root.join("venv");
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(Command::new(&python).args(["-m", "venv", "--clear"]).arg(&venv))?;
        let requirements = self.root.join("requirements.txt");
        fs::write(&requirements, REQUIREMENTS).map_err(|e| format!("cannot write {}: {e}", requirements.display()))?;
        run(Command::new(self.bin("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements))
    }

    /// The path of an executable installed in the environment.
    pub fn bin(&self, name: &str) -> PathBuf {
        self.root.join("venv").join("bin").join(name)
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr)))
    }
}

/// The Cargo target directory: `$CARGO_TARGET_DIR`, or the nearest directory above the
/// running executable that Cargo marked with its `CACHEDIR.TAG`.
pub fn target_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the running executable: {e}"))?;
    exe.ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("cannot find the target directory above {}", exe.display()))
}
