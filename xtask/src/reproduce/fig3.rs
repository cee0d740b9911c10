//! Fig. 3 of the paper.

use anyhow::{Result, bail};

use super::{Ctx, FigureOutput};

/// Runs Fig. 3.
pub fn run(ctx: &mut Ctx<'_>) -> Result<FigureOutput> {
    bail!(
        "{}: the pipeline of this figure is not built yet",
        ctx.figure.name()
    )
}
