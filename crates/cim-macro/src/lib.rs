//! The 1T1R compute-in-memory crossbar macro and its periphery.
//!
//! A 512 x 512 array of cells formed once with [`rram_device`], split into
//! named logical partitions (rows of inputs, pairs of columns forming signed
//! differential weights), and read the way the chip reads it: a DAC drives the
//! selected rows through a multiplexer, the column currents
//! `I_j = sum_i V_i G_ij` flow into trans-impedance amplifiers and are digitised
//! by an ADC; wire resistance causes IR drop. Reads are event driven: the
//! caller names the active rows (the spikes of one time step) and receives one
//! value per differential column.
//!
//! Every read reports what it cost as [`costmodel`] operation counts (DAC and
//! ADC conversions, cell reads, multiplexer cycles).
//!
//! # What this crate must not know
//!
//! Nothing of neurons, datasets or training; it never computes energy itself
//! (it counts operations, [`costmodel`] prices them).

mod error;

pub use error::{Error, Result};
