//! `cargo xtask ci`: the checks every commit passes.

use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

/// Options of `cargo xtask ci`.
#[derive(Debug, clap::Args)]
pub struct CiArgs {
    /// Also run the tests that read `../shared/data` (feature `shared-data`).
    #[arg(long)]
    pub shared_data: bool,
}

/// One check: a name and a cargo command line.
struct Check {
    name: &'static str,
    args: Vec<&'static str>,
    rustdocflags: Option<&'static str>,
}

fn checks(args: &CiArgs) -> Vec<Check> {
    let mut checks = vec![
        Check {
            name: "format",
            args: vec!["fmt", "--all", "--check"],
            rustdocflags: None,
        },
        Check {
            name: "clippy",
            args: vec![
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            rustdocflags: None,
        },
        Check {
            name: "tests",
            args: vec!["test", "--workspace"],
            rustdocflags: None,
        },
        Check {
            name: "docs",
            args: vec!["doc", "--workspace", "--no-deps"],
            rustdocflags: Some("-D warnings"),
        },
    ];
    if args.shared_data {
        checks.push(Check {
            name: "tests with ../shared/data",
            args: vec!["test", "--workspace", "--features", "shared-data"],
            rustdocflags: None,
        });
    }
    checks
}

/// Runs every check in order, stopping at the first failure.
pub fn run(args: &CiArgs) -> anyhow::Result<ExitCode> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let root = crate::workspace_root();
    for check in checks(args) {
        tracing::info!("ci: {} (cargo {})", check.name, check.args.join(" "));
        let mut cmd = Command::new(&cargo);
        cmd.args(&check.args).current_dir(&root);
        if let Some(flags) = check.rustdocflags {
            cmd.env("RUSTDOCFLAGS", flags);
        }
        let status = cmd
            .status()
            .with_context(|| format!("could not start `{cargo}` for the {} check", check.name))?;
        if !status.success() {
            bail!(
                "the {} check failed ({status}): cargo {}",
                check.name,
                check.args.join(" ")
            );
        }
    }
    tracing::info!("ci: all checks passed");
    Ok(ExitCode::SUCCESS)
}
