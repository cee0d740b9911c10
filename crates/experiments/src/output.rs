//! Writing results: atomic files, the run's provenance, stage timings.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::error::{Context, Result};
use serde::Serialize;

/// A directory of results (e.g. `results/fig2/`), written file by file,
/// each file atomically: written to a temporary name in the same directory,
/// flushed, then renamed over the final name, so a reader (or a crash) never
/// sees half a file.
#[derive(Clone, Debug)]
pub struct ResultsDir {
    root: PathBuf,
}

impl ResultsDir {
    /// Creates the directory (and parents) if needed.
    pub fn create(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root)
            .with_context(|| format!("cannot create results directory {}", root.display()))?;
        Ok(Self { root })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `name` inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Writes `bytes` to `name` atomically; returns the final path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        write_atomic(&self.path(name), bytes)?;
        Ok(self.path(name))
    }

    /// Writes `value` as pretty JSON (trailing newline) to `name`.
    pub fn write_json<T: Serialize + ?Sized>(&self, name: &str, value: &T) -> Result<PathBuf> {
        let mut text = serde_json::to_string_pretty(value).context("serialising JSON")?;
        text.push('\n');
        self.write(name, text.as_bytes())
    }
}

/// A results folder written in a hidden staging folder beside its final
/// place and renamed into place by [`StagedDir::commit`], so a run that
/// fails leaves the previous results untouched and no half-written folder
/// where the results go (the staging folder stays for inspection).
#[derive(Debug)]
pub struct StagedDir {
    dir: ResultsDir,
    target: PathBuf,
}

impl StagedDir {
    /// Starts `target` afresh in `<parent>/.<name>.partial` (a stale
    /// staging folder of an earlier failed run is removed first).
    pub fn create(target: impl Into<PathBuf>) -> Result<Self> {
        let target = target.into();
        let staging = sibling(&target, "partial")?;
        if staging.exists() {
            fs::remove_dir_all(&staging).with_context(|| {
                format!(
                    "cannot remove the stale staging folder {}",
                    staging.display()
                )
            })?;
        }
        Ok(Self {
            dir: ResultsDir::create(staging)?,
            target,
        })
    }

    /// The staging folder to write into.
    pub fn dir(&self) -> &ResultsDir {
        &self.dir
    }

    /// Where the results go on success.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the staging folder to the target (replacing an earlier result
    /// there: it is moved aside first and removed only once the new one is
    /// in place) and returns the target.
    pub fn commit(self) -> Result<PathBuf> {
        let old = sibling(&self.target, "old")?;
        if old.exists() {
            fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
        }
        let had = self.target.exists();
        if had {
            fs::rename(&self.target, &old).with_context(|| {
                format!(
                    "cannot move {} aside to {}",
                    self.target.display(),
                    old.display()
                )
            })?;
        }
        if let Err(e) = fs::rename(self.dir.root(), &self.target) {
            if had {
                // Put the earlier results back; the new ones stay staged.
                let _ = fs::rename(&old, &self.target);
            }
            return Err(e).with_context(|| {
                format!(
                    "cannot move {} into place at {}",
                    self.dir.root().display(),
                    self.target.display()
                )
            });
        }
        if had {
            fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove the earlier results {}", old.display()))?;
        }
        Ok(self.target)
    }
}

/// `<parent>/.<name>.<tag>` beside `target`.
fn sibling(target: &Path, tag: &str) -> Result<PathBuf> {
    let name = target
        .file_name()
        .with_context(|| format!("results folder {} has no name", target.display()))?;
    let parent = target.parent().unwrap_or(Path::new(""));
    Ok(parent.join(format!(".{}.{tag}", name.to_string_lossy())))
}

/// A CSV cell, quoted when it holds a comma, a quote or a newline.
pub fn csv_cell(c: &str) -> String {
    if c.contains([',', '"', '\n']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_owned()
    }
}

/// One CSV line (with its newline) of already formatted cells.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> Result<()> {
        let mut file =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        file.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot flush {}", tmp.display()))?;
        fs::rename(&tmp, path)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Wall time of named stages, in order.
#[derive(Debug, Default)]
pub struct Stages {
    done: Vec<StageTime>,
}

/// One finished stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageTime {
    /// Stage name.
    pub name: String,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl Stages {
    /// Runs `f` as stage `name`, logging its start and duration.
    pub fn run<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let progress = crate::progress::reporter();
        progress.stage_started(name);
        let start = Instant::now();
        let out = f().with_context(|| format!("stage `{name}`"))?;
        let seconds = start.elapsed().as_secs_f64();
        progress.stage_finished(name, seconds);
        self.done.push(StageTime {
            name: name.to_owned(),
            seconds,
        });
        Ok(out)
    }

    /// Records a stage timed by the caller (e.g. drawing the figures).
    pub fn record(&mut self, name: &str, seconds: f64) {
        self.done.push(StageTime {
            name: name.to_owned(),
            seconds,
        });
    }

    /// The finished stages.
    pub fn times(&self) -> &[StageTime] {
        &self.done
    }

    /// Total wall time of the finished stages.
    pub fn total_seconds(&self) -> f64 {
        self.done.iter().map(|s| s.seconds).sum()
    }
}

/// The provenance of a run: what produced these results.
#[derive(Clone, Debug, Serialize)]
pub struct Provenance {
    /// `git rev-parse HEAD` of the workspace, or `unknown`.
    pub git_revision: String,
    /// Whether the working tree had uncommitted changes (`None`: unknown).
    pub git_dirty: Option<bool>,
    /// `rustc --version`, or `unknown`.
    pub rustc_version: String,
    /// Threads of the rayon pool the run used.
    pub threads: usize,
}

impl Provenance {
    /// Reads the provenance of the current process and workspace.
    pub fn current(threads: usize) -> Self {
        let root = crate::workspace_root();
        let run = |cmd: &str, args: &[&str]| -> Option<String> {
            let out = Command::new(cmd)
                .args(args)
                .current_dir(&root)
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        Provenance {
            git_revision: run("git", &["rev-parse", "HEAD"])
                .unwrap_or_else(|| "unknown".to_owned()),
            git_dirty: run("git", &["status", "--porcelain"]).map(|s| !s.is_empty()),
            rustc_version: run("rustc", &["--version"]).unwrap_or_else(|| "unknown".to_owned()),
            threads,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let results = ResultsDir::create(dir.path().join("fig9")).unwrap();
        results.write("a.txt", b"first version, long").unwrap();
        results.write("a.txt", b"second").unwrap();
        assert_eq!(fs::read_to_string(results.path("a.txt")).unwrap(), "second");
        results
            .write_json("s.json", &serde_json::json!({"x": 1}))
            .unwrap();
        assert_eq!(
            fs::read_to_string(results.path("s.json")).unwrap(),
            "{\n  \"x\": 1\n}\n"
        );
        let names: Vec<String> = fs::read_dir(results.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
        assert_eq!(names.len(), 2);
    }

    #[test]
    fn staged_results_replace_the_old_folder_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("fig2");
        ResultsDir::create(&target)
            .unwrap()
            .write("old.txt", b"1")
            .unwrap();
        // A failed run: staged, never committed. The old results stay.
        let failed = StagedDir::create(&target).unwrap();
        failed.dir().write("half.txt", b"x").unwrap();
        drop(failed);
        assert!(target.join("old.txt").exists() && !target.join("half.txt").exists());
        // The next run clears the stale staging folder and replaces the old.
        let ok = StagedDir::create(&target).unwrap();
        assert!(!ok.dir().path("half.txt").exists());
        ok.dir().write("new.txt", b"2").unwrap();
        assert_eq!(ok.commit().unwrap(), target);
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec!["fig2".to_owned()],
            "no staging or old folder left"
        );
        assert!(target.join("new.txt").exists() && !target.join("old.txt").exists());
    }

    #[test]
    fn csv_cells_are_quoted_when_needed() {
        assert_eq!(csv_line(&["a", "b,c"]), "a,\"b,c\"\n");
        assert_eq!(
            csv_line(&["1".to_owned(), "x\"y".to_owned()]),
            "1,\"x\"\"y\"\n"
        );
    }

    #[test]
    fn failed_stages_name_themselves_and_times_add_up() {
        let mut stages = Stages::default();
        let x = stages.run("one", || Ok(3)).unwrap();
        assert_eq!(x, 3);
        let err = stages
            .run("two", || -> Result<()> { crate::error::bail!("boom") })
            .unwrap_err();
        assert!(err.chain().contains("stage `two`: boom"), "{}", err.chain());
        assert_eq!(stages.times().len(), 1);
        assert!(stages.total_seconds() >= 0.0);
    }

    #[test]
    fn provenance_reads_this_checkout() {
        let p = Provenance::current(2);
        assert_eq!(p.threads, 2);
        assert!(p.rustc_version.starts_with("rustc") || p.rustc_version == "unknown");
        assert!(
            p.git_revision.len() == 40 || p.git_revision == "unknown",
            "{}",
            p.git_revision
        );
    }
}
