//! The reservoir: LIF neurons on a synapse backend, one sample at a time.

use costmodel::OpCounts;
use param_guard::ParamGuard;
use seeds::ChaCha8Rng;
use spikes::SpikeRaster;

use crate::error::{Error, Result};
use crate::params::{InputLayer, NeuronParams, ReservoirParams, ResetMode};
use crate::real::{LifConsts, Real, ResetKind, collect_spikes, padded};
use crate::synapses::Synapses;

/// A validated reservoir on a synapse backend `S`, simulated in `F`.
///
/// Parameters, derived constants and weights are fixed at construction; the
/// per-sample state lives in a [`Workspace`], so one reservoir is shared by
/// every thread and resetting between samples costs a few hundred stores.
#[derive(Debug)]
pub struct Reservoir<F: Real, S: Synapses<F>> {
    params: ReservoirParams,
    neuron: LifConsts<F>,
    input: Option<LifConsts<F>>,
    synapses: S,
}

/// Per-sample state and buffers of one thread: membrane potentials, currents,
/// spikes of the last step. Allocated once, reused for every sample.
#[derive(Debug)]
pub struct Workspace<F: Real, X> {
    v: Vec<F>,
    current: Vec<F>,
    refractory: Vec<u16>,
    flags: Vec<u8>,
    spiked: Vec<u32>,
    next: Vec<u32>,
    input_v: Vec<F>,
    input_drive: Vec<F>,
    input_refractory: Vec<u16>,
    input_flags: Vec<u8>,
    input_counts: Vec<u32>,
    input_spikes: Vec<u32>,
    scratch: X,
}

/// What to record of one sample besides the spike counts (for figures).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Neurons whose membrane potential is recorded.
    pub neurons: Vec<u32>,
    /// `potentials[k][t]`: potential of `neurons[k]` after step `t`
    /// (after the reset of a spike at `t`).
    pub potentials: Vec<Vec<f64>>,
    /// Reservoir spikes of every step, when `record_spikes` is set.
    pub spikes: Option<SpikeRaster>,
    /// Whether to record the reservoir's spike raster.
    pub record_spikes: bool,
    /// First step each neuron fired (`-1`: never), when `record_first_spike` is set.
    pub first_spike: Vec<i64>,
    /// Whether to record each neuron's first spike step.
    pub record_first_spike: bool,
}

impl Trace {
    /// Records the potentials of `neurons` and the spike raster.
    pub fn new(neurons: Vec<u32>) -> Self {
        Self {
            neurons,
            record_spikes: true,
            ..Self::default()
        }
    }
}

fn lif_consts<F: Real>(p: &NeuronParams) -> LifConsts<F> {
    LifConsts {
        decay: F::from_f64(p.decay),
        gain: F::from_f64(p.gain),
        bias: F::from_f64((1.0 - p.decay) * p.v_rest),
        threshold: F::from_f64(p.v_th),
        reset: match p.reset {
            ResetMode::ToValue => ResetKind::To(F::from_f64(p.v_reset)),
            ResetMode::Subtract => ResetKind::Subtract,
        },
        refractory: p.refractory_steps,
    }
}

impl<F: Real, S: Synapses<F>> Reservoir<F, S> {
    /// Validates the parameters and checks that the backend has their sizes.
    pub fn new(params: ReservoirParams, synapses: S) -> Result<Self> {
        params.validate()?;
        if synapses.n_in() != params.n_in || synapses.n_res() != params.n_res {
            return Err(Error::BackendShape {
                backend_in: synapses.n_in(),
                backend_res: synapses.n_res(),
                n_in: params.n_in,
                n_res: params.n_res,
            });
        }
        let input = match &params.input_layer {
            InputLayer::PassThrough => None,
            InputLayer::Lif(p) => Some(lif_consts(p)),
        };
        Ok(Self {
            neuron: lif_consts(&params.neuron),
            input,
            params,
            synapses,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &ReservoirParams {
        &self.params
    }

    /// The synapse backend.
    pub fn synapses(&self) -> &S {
        &self.synapses
    }

    /// Buffers for one thread.
    pub fn workspace(&self) -> Result<Workspace<F, S::Scratch>> {
        let n = self.params.n_res;
        let m = self.params.n_in;
        Ok(Workspace {
            v: vec![F::ZERO; n],
            current: vec![F::ZERO; padded(n)],
            refractory: vec![0; n],
            flags: vec![0; n],
            spiked: Vec::with_capacity(n),
            next: Vec::with_capacity(n),
            input_v: vec![F::ZERO; m],
            input_drive: vec![F::ZERO; m],
            input_refractory: vec![0; m],
            input_flags: vec![0; m],
            input_counts: vec![0; m],
            input_spikes: Vec::with_capacity(m),
            scratch: self.synapses.new_scratch()?,
        })
    }

    /// Runs one sample from rest and writes each neuron's spike count into
    /// `counts` (length `n_res`). `rng` is the sample's own stream (used by
    /// noisy backends); `trace` optionally records potentials and spikes.
    /// Returns the operations performed.
    ///
    /// Step order at every `t`: the input layer (if any) integrates the
    /// step's events and fires; the backend computes
    /// `I = W_in s_in(t) + W_rec r(t-1)`; every neuron integrates, fires if
    /// strictly above threshold, and resets.
    pub fn run(
        &self,
        raster: &SpikeRaster,
        ws: &mut Workspace<F, S::Scratch>,
        rng: &mut ChaCha8Rng,
        counts: &mut [u32],
        mut trace: Option<&mut Trace>,
    ) -> Result<OpCounts> {
        let n = self.params.n_res;
        if raster.channels() as usize != self.params.n_in {
            return Err(Error::InputWidth {
                sample: 0,
                expected: self.params.n_in,
                found: raster.channels() as usize,
            });
        }
        if counts.len() != n {
            return Err(Error::ShapeMismatch {
                what: "counts",
                expected: n,
                found: counts.len(),
            });
        }
        counts.fill(0);
        ws.v.fill(F::from_f64(self.params.neuron.v_rest));
        ws.refractory.fill(0);
        ws.spiked.clear();
        if self.input.is_some() {
            ws.input_v.fill(F::ZERO);
            ws.input_refractory.fill(0);
            ws.input_counts.fill(0);
            if let InputLayer::Lif(p) = &self.params.input_layer {
                ws.input_v.fill(F::from_f64(p.v_rest));
            }
        }
        if let Some(tr) = trace.as_deref_mut() {
            tr.potentials = vec![Vec::with_capacity(raster.steps()); tr.neurons.len()];
            tr.spikes = tr.record_spikes.then(|| SpikeRaster::new(n as u32));
            tr.first_spike = if tr.record_first_spike {
                vec![-1; n]
            } else {
                Vec::new()
            };
        }

        let mut ops = OpCounts::default();
        let steps = raster.steps() as u64;
        let mut input_total = 0u64;
        let mut spike_total = 0u64;
        for t in 0..raster.steps() {
            let inputs: &[u32] = match &self.input {
                None => raster.step(t),
                Some(c) => {
                    self.input_layer_step(c, raster, t, ws);
                    &ws.input_spikes
                }
            };
            input_total += inputs.len() as u64;
            self.synapses.currents(
                inputs,
                &ws.spiked,
                &mut ws.current,
                &mut ws.scratch,
                rng,
                &mut ops,
            )?;
            F::lif_update(
                &self.neuron,
                &mut ws.v,
                &ws.current[..n],
                &mut ws.refractory,
                &mut ws.flags,
                counts,
            );
            ws.next.clear();
            collect_spikes(&ws.flags, &mut ws.next);
            std::mem::swap(&mut ws.spiked, &mut ws.next);
            spike_total += ws.spiked.len() as u64;
            if let Some(tr) = trace.as_deref_mut() {
                record(tr, t, &ws.v, &ws.spiked)?;
            }
        }

        let n64 = n as u64;
        ops.input_spikes += input_total;
        ops.recurrent_spikes += spike_total;
        ops.synaptic_events += (input_total + spike_total) * n64;
        ops.neuron_updates += steps * n64;
        // Per neuron and step: two multiplications (decay, gain), two additions
        // (the rest-potential term is folded into one), one comparison.
        ops.mul_fp32 += 2 * steps * n64;
        ops.add_fp32 += 2 * steps * n64;
        ops.compare += steps * n64;
        ops.add_int += spike_total;
        if self.input.is_some() {
            let m = self.params.n_in as u64;
            ops.neuron_updates += steps * m;
            ops.mul_fp32 += 2 * steps * m;
            ops.add_fp32 += 2 * steps * m;
            ops.compare += steps * m;
        }
        Ok(ops)
    }

    /// Input LIF layer: integrate this step's events, fire, collect spikes.
    fn input_layer_step(
        &self,
        c: &LifConsts<F>,
        raster: &SpikeRaster,
        t: usize,
        ws: &mut Workspace<F, S::Scratch>,
    ) {
        ws.input_drive.fill(F::ZERO);
        let active = raster.step(t);
        match raster.step_counts(t) {
            Some(k) => {
                for (&ch, &cnt) in active.iter().zip(k) {
                    ws.input_drive[ch as usize] = F::from_f64(f64::from(cnt));
                }
            }
            None => {
                for &ch in active {
                    ws.input_drive[ch as usize] = F::from_f64(1.0);
                }
            }
        }
        F::lif_update(
            c,
            &mut ws.input_v,
            &ws.input_drive,
            &mut ws.input_refractory,
            &mut ws.input_flags,
            &mut ws.input_counts,
        );
        ws.input_spikes.clear();
        collect_spikes(&ws.input_flags, &mut ws.input_spikes);
    }

    /// Convenience: runs one sample with fresh buffers and returns its counts.
    pub fn run_sample(
        &self,
        raster: &SpikeRaster,
        rng: &mut ChaCha8Rng,
    ) -> Result<(Vec<u32>, OpCounts)> {
        let mut ws = self.workspace()?;
        let mut counts = vec![0; self.params.n_res];
        let ops = self.run(raster, &mut ws, rng, &mut counts, None)?;
        Ok((counts, ops))
    }
}

fn record<F: Real>(tr: &mut Trace, t: usize, v: &[F], spiked: &[u32]) -> Result<()> {
    for (k, &j) in tr.neurons.iter().enumerate() {
        let value = v.get(j as usize).map_or(f64::NAN, |x| x.to_f64());
        tr.potentials[k].push(value);
    }
    if let Some(r) = tr.spikes.as_mut() {
        r.push_step(spiked)?;
    }
    if tr.record_first_spike {
        for &j in spiked {
            let slot = &mut tr.first_spike[j as usize];
            if *slot < 0 {
                *slot = t as i64;
            }
        }
    }
    Ok(())
}
