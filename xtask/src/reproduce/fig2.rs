//! Fig. 2 of the paper.

use anyhow::{Result, bail};

use super::{Ctx, FigureOutput};

/// Runs Fig. 2.
pub fn run(ctx: &mut Ctx<'_>) -> Result<FigureOutput> {
    bail!(
        "{}: the pipeline of this figure is not built yet",
        ctx.figure.name()
    )
}
