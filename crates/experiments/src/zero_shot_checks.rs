//! What a sceptical reviewer asks of a zero-shot retrieval accuracy: how
//! wide is its interval, is the hardware-software difference larger than
//! the queries' noise, and what does the reservoir add over its own input.
//!
//! * **Intervals**: every top-1 accuracy of the LSM with its 95 % Wilson
//!   interval over the queries ([`readout::RetrievalReport::top1_interval`]).
//! * **Paired test**: hardware against software with McNemar's exact test
//!   on the same queries ([`readout::RetrievalReport::mcnemar_against`]).
//! * **Input-only controls**: the same contrastive projections, trained on
//!   the same seen digits with the same scaling and seed, on (a) each input
//!   channel's event total over the sample and (b) the same counts in
//!   `time_bins` equal time bins ([`crate::controls::event_totals`],
//!   [`crate::controls::time_binned`]; fitted in [`crate::fig4`]). A reservoir whose retrieval does
//!   not beat (b) adds nothing the projections could not get from its
//!   input.
//!
//! * **Hubness and transductive centring**: unseen retrieval can collapse
//!   onto one digit because a few gallery items ("hubs") are the nearest
//!   neighbour of most queries ([`readout::RetrievalReport::hubness`]). As a
//!   labelled diagnostic (never the headline), the same projections are
//!   evaluated with each modality's embeddings centred on the mean of the
//!   test samples being retrieved ([`readout::BatchCentred`]); this is
//!   transductive (it uses the unlabelled test embeddings) and shows how
//!   much of the collapse a shared embedding direction explains.
//!
//! Fig. 4 has one readout, the paper's contrastive projections (the CLIP
//! loss is not convex in the two projections, so there is no converged
//! counterpart as in Figs. 2 and 3).

use readout::{RetrievalReport, ZeroShotReport};
use serde::{Deserialize, Serialize};

use crate::report::{Row, Summary, pct};

/// Settings of Fig. 4's input-only controls (`[controls]` in the preset).
///
/// | field | default | meaning |
/// |---|---|---|
/// | `time_bins` | 5 | time bins of control (b) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ZeroShotControlSettings {
    /// Time bins of the binned-input control.
    pub time_bins: usize,
}

impl Default for ZeroShotControlSettings {
    fn default() -> Self {
        ZeroShotControlSettings { time_bins: 5 }
    }
}

/// The retrievals of the two input-only controls.
#[derive(Clone, Debug)]
pub struct ZeroShotControls {
    /// The settings used.
    pub settings: ZeroShotControlSettings,
    /// Control (a): input event totals per channel.
    pub totals: ZeroShotReport,
    /// Control (b): input counts in time bins.
    pub binned: ZeroShotReport,
}

/// The four retrievals of a zero-shot report with their key prefixes and
/// names: (`a2i`/`i2a`, `seen`/`unseen`, words, retrieval).
pub(crate) fn each(
    z: &ZeroShotReport,
) -> [(&'static str, &'static str, String, &RetrievalReport); 4] {
    let words = |dir: &str, set: &str| format!("{dir}, {set} digits");
    [
        (
            "a2i",
            "seen",
            words("audio-search-image", "seen"),
            &z.seen.audio_to_image,
        ),
        (
            "i2a",
            "seen",
            words("image-search-audio", "seen"),
            &z.seen.image_to_audio,
        ),
        (
            "a2i",
            "unseen",
            words("audio-search-image", "unseen"),
            &z.unseen.audio_to_image,
        ),
        (
            "i2a",
            "unseen",
            words("image-search-audio", "unseen"),
            &z.unseen.image_to_audio,
        ),
    ]
}

/// Top-1 with its Wilson interval, percent: "66.1 % [60.2, 71.6]".
fn with_interval(r: &RetrievalReport) -> String {
    let (lo, hi) = r.top1_interval();
    format!(
        "{} [{:.1}, {:.1}]",
        pct(100.0 * r.top1()),
        100.0 * lo,
        100.0 * hi
    )
}

/// `<key>_ci_low` / `<key>_ci_high`, percent.
fn interval_keys(key: &str, r: &RetrievalReport, s: &mut Summary) {
    let (lo, hi) = r.top1_interval();
    s.num(&format!("{key}_ci_low"), 100.0 * lo);
    s.num(&format!("{key}_ci_high"), 100.0 * hi);
}

/// The McNemar p-value of `a` against `b` (NaN if they were not evaluated
/// on the same queries, which the pipeline never does).
fn mcnemar_p(a: &RetrievalReport, b: &RetrievalReport) -> f64 {
    a.mcnemar_against(b).map_or(f64::NAN, |t| t.p_value)
}

/// Summary keys of the intervals, the paired test and the controls
/// (listed in `docs/results-format.md`).
pub(crate) fn summarise(
    software: &ZeroShotReport,
    hardware: &ZeroShotReport,
    controls: &ZeroShotControls,
    s: &mut Summary,
) {
    let (sw, hw) = (each(software), each(hardware));
    let (tot, bin) = (each(&controls.totals), each(&controls.binned));
    for i in 0..4 {
        let (dir, set, _, rs) = sw[i];
        let (rh, rt, rb) = (hw[i].3, tot[i].3, bin[i].3);
        let key = format!("{dir}_{set}");
        interval_keys(&format!("{key}_software"), rs, s);
        interval_keys(&format!("{key}_hardware"), rh, s);
        s.num(&format!("{key}_mcnemar_p_hw_sw"), mcnemar_p(rh, rs));
        for (name, r) in [("input_totals", rt), ("input_time_bins", rb)] {
            let c = format!("{key}_control_{name}");
            s.num(&c, 100.0 * r.top1());
            interval_keys(&c, r, s);
            if let Some(col) = r.collapse() {
                s.num(&format!("{c}_collapse_share"), 100.0 * col.share);
            }
            s.num(
                &format!("{key}_reservoir_minus_{name}_points"),
                100.0 * (rs.top1() - r.top1()),
            );
        }
        s.num(
            &format!("{key}_mcnemar_p_reservoir_vs_input_time_bins"),
            mcnemar_p(rs, rb),
        );
    }
    s.int("control_time_bins", controls.settings.time_bins as u64);
}

/// Report rows: per retrieval the LSM's intervals and the paired test, the
/// controls, and a plain statement of what the reservoir adds.
pub(crate) fn report_rows(
    software: &ZeroShotReport,
    hardware: &ZeroShotReport,
    controls: &ZeroShotControls,
    rows: &mut Vec<Row>,
) {
    let (sw, hw) = (each(software), each(hardware));
    let (tot, bin) = (each(&controls.totals), each(&controls.binned));
    let k = controls.settings.time_bins;
    for i in 0..4 {
        let (_, _, words, rs) = &sw[i];
        let (rh, rt, rb) = (hw[i].3, tot[i].3, bin[i].3);
        let t = rh.mcnemar_against(rs).ok();
        rows.push(Row::new(
            &format!("top-1 with 95 % Wilson interval, {words}, LSM software / hardware"),
            format!("{} / {}", with_interval(rs), with_interval(rh)),
            "-",
            &t.map_or_else(String::new, |t| {
                format!(
                    "{} queries; hardware minus software {:+.2} points, McNemar exact p = {:.3} ({} vs {} discordant queries)",
                    rs.n_queries,
                    100.0 * (rh.top1() - rs.top1()),
                    t.p_value,
                    t.first_only,
                    t.second_only
                )
            }),
        ));
        rows.push(Row::new(
            &format!(
                "input-only controls, {words}: (a) event totals / (b) counts in {k} time bins"
            ),
            format!("{} / {}", with_interval(rt), with_interval(rb)),
            "-",
            &format!(
                "same projections, scaling and seed on the binned input; {}",
                adds(rs, rt, rb)
            ),
        ));
    }
}

/// The LSM's retrievals with transductively centred embeddings
/// ([`readout::BatchCentred`]): a labelled diagnostic of hubness.
#[derive(Clone, Debug)]
pub struct Centred {
    /// Software backend.
    pub software: ZeroShotReport,
    /// Hardware backend.
    pub hardware: ZeroShotReport,
}

/// Summary keys of the centred diagnostic: `<dir>_<set>_<backend>_centred`
/// (top-1, percent) with its interval, its hub share and McNemar's p
/// against the inductive retrieval on the same queries.
pub(crate) fn centred_summarise(
    plain: (&ZeroShotReport, &ZeroShotReport),
    centred: &Centred,
    s: &mut Summary,
) {
    for (backend, z, c) in [
        ("software", plain.0, &centred.software),
        ("hardware", plain.1, &centred.hardware),
    ] {
        for ((dir, set, _, r), (_, _, _, rc)) in each(z).into_iter().zip(each(c)) {
            let key = format!("{dir}_{set}_{backend}_centred");
            s.num(&key, 100.0 * rc.top1());
            interval_keys(&key, rc, s);
            if let Some(h) = rc.hubness() {
                s.num(&format!("{key}_hub_share"), 100.0 * h.share);
            }
            s.num(&format!("{key}_mcnemar_p"), mcnemar_p(rc, r));
        }
    }
}

/// Report rows of the centred diagnostic, unseen digits (where retrieval
/// collapses), per backend and direction.
pub(crate) fn centred_rows(
    plain: (&ZeroShotReport, &ZeroShotReport),
    centred: &Centred,
    rows: &mut Vec<Row>,
) {
    for (backend, z, c) in [
        ("software", plain.0, &centred.software),
        ("hardware", plain.1, &centred.hardware),
    ] {
        for ((_, set, words, r), (_, _, _, rc)) in each(z).into_iter().zip(each(c)) {
            if set != "unseen" {
                continue;
            }
            let hub = |x: &RetrievalReport| {
                x.hubness().map_or_else(String::new, |h| {
                    format!(
                        "{:.1} % of queries on one item, {} of {} items retrieved",
                        100.0 * h.share,
                        h.distinct_items,
                        h.n_gallery
                    )
                })
            };
            rows.push(Row::new(
                &format!(
                    "transductive centring (labelled diagnostic, uses the test embeddings' mean), {words}, LSM {backend}"
                ),
                with_interval(rc),
                "-",
                &format!(
                    "inductive protocol {}, McNemar p = {:.3}; hubness before: {}; after: {}",
                    with_interval(r),
                    mcnemar_p(rc, r),
                    hub(r),
                    hub(rc)
                ),
            ));
        }
    }
}

/// A plain statement of what the software reservoir adds over the two
/// controls, with McNemar's p against (b).
fn adds(reservoir: &RetrievalReport, totals: &RetrievalReport, binned: &RetrievalReport) -> String {
    let (a, b) = (
        100.0 * (reservoir.top1() - totals.top1()),
        100.0 * (reservoir.top1() - binned.top1()),
    );
    let p = mcnemar_p(reservoir, binned);
    let verdict = match (b > 0.0, p < 0.05) {
        (true, true) => "the reservoir adds to its input (p < 0.05)",
        (true, false) => "ahead of its binned input, but within the queries' noise",
        (false, true) => "the reservoir loses to its binned input (p < 0.05)",
        (false, false) => "the reservoir adds nothing over its binned input",
    };
    format!(
        "the software reservoir is {a:+.2} points over (a) and {b:+.2} over (b) (McNemar p = {p:.3} against (b)): {verdict}"
    )
}
