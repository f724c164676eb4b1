//! scipy: `scipy.signal` filters, convolutions and spectral transforms, plus the
//! parts of `scipy.spatial`/`scipy.ndimage` that dominate numeric scripts.
//! `scipy.linalg` and `scipy.fft` reuse the numpy rules (see `kb::lookup`).

use super::numpy::conv_len;
use super::{draft, e, shape_of, CallArgs, Entry, Rule};
use crate::fmt::fmt_flops;
use crate::host::Host;
use crate::value::*;
use prescient_model::{Category as C, Parallelism as P, Sym};

use Rule::Custom;

pub const ENTRIES: &[Entry] = &[
    e(&["scipy.signal.lfilter"], C::Signal, Custom(lfilter)),
    e(&["scipy.signal.filtfilt"], C::Signal, Custom(lfilter)),
    e(
        &["scipy.signal.sosfilt", "scipy.signal.sosfiltfilt"],
        C::Signal,
        Custom(sosfilt),
    ),
    e(
        &[
            "scipy.signal.convolve",
            "scipy.signal.correlate",
            "scipy.signal.fftconvolve",
            "scipy.signal.oaconvolve",
            "scipy.ndimage.convolve",
            "scipy.ndimage.correlate",
            "scipy.signal.convolve2d",
            "scipy.signal.correlate2d",
        ],
        C::Signal,
        Custom(convolve),
    ),
    e(
        &[
            "scipy.signal.firwin",
            "scipy.signal.firwin2",
            "scipy.signal.remez",
            "scipy.signal.get_window",
            "scipy.signal.hann",
            "scipy.signal.hamming",
            "scipy.signal.blackman",
            "scipy.signal.kaiser",
            "scipy.signal.gaussian",
            "scipy.signal.tukey",
        ],
        C::Signal,
        Custom(design_fir),
    ),
    e(
        &[
            "scipy.signal.butter",
            "scipy.signal.cheby1",
            "scipy.signal.cheby2",
            "scipy.signal.ellip",
            "scipy.signal.bessel",
            "scipy.signal.iirfilter",
            "scipy.signal.iirnotch",
            "scipy.signal.iirpeak",
        ],
        C::Signal,
        Custom(design_iir),
    ),
    e(
        &[
            "scipy.signal.stft",
            "scipy.signal.spectrogram",
            "scipy.signal.welch",
            "scipy.signal.periodogram",
            "scipy.signal.csd",
            "scipy.signal.coherence",
            "scipy.signal.istft",
        ],
        C::Signal,
        Custom(stft),
    ),
    e(
        &[
            "scipy.signal.resample",
            "scipy.signal.hilbert",
            "scipy.signal.resample_poly",
            "scipy.signal.decimate",
            "scipy.signal.detrend",
            "scipy.signal.upfirdn",
        ],
        C::Signal,
        Custom(resample),
    ),
    e(
        &[
            "scipy.signal.medfilt",
            "scipy.signal.savgol_filter",
            "scipy.signal.wiener",
            "scipy.ndimage.gaussian_filter",
            "scipy.ndimage.gaussian_filter1d",
            "scipy.ndimage.uniform_filter",
            "scipy.ndimage.median_filter",
            "scipy.ndimage.uniform_filter1d",
            "scipy.signal.medfilt2d",
        ],
        C::Signal,
        Custom(window_filter),
    ),
    e(
        &["scipy.signal.find_peaks", "scipy.signal.argrelextrema"],
        C::Reduction,
        Custom(find_peaks),
    ),
    e(
        &[
            "scipy.signal.freqz",
            "scipy.signal.sosfreqz",
            "scipy.signal.tf2sos",
            "scipy.signal.zpk2sos",
            "scipy.signal.lfilter_zi",
            "scipy.signal.sosfilt_zi",
            "scipy.signal.freqs",
        ],
        C::Signal,
        Custom(small_design),
    ),
    e(
        &[
            "scipy.spatial.distance.cdist",
            "scipy.spatial.distance.pdist",
            "scipy.spatial.distance_matrix",
        ],
        C::Matmul,
        Custom(cdist),
    ),
];

fn arr(v: Option<&Value>) -> Option<ArrayVal> {
    match v? {
        Value::Array(a) => Some((**a).clone()),
        Value::Unknown | Value::None => None,
        other => Some(crate::arrays::array_like(other)),
    }
}

fn len_of(v: Option<&Value>) -> Sym {
    match v {
        Some(Value::Array(a)) => a.size(),
        Some(v @ Value::Seq { .. }) => crate::arrays::array_like(v)
            .shape
            .first()
            .cloned()
            .unwrap_or_else(Sym::one),
        Some(Value::Int(_)) | Some(Value::Float(_)) => Sym::one(),
        _ => Sym::num(3.0),
    }
}

#[allow(clippy::too_many_arguments)]
fn signal_kernel(
    it: &mut dyn Host,
    ca: &CallArgs,
    pattern: &str,
    flops: Sym,
    x: &ArrayVal,
    out: &Sym,
    extra_alloc: f64,
    what: &str,
) {
    let dtype = out_float(x.dtype);
    let out_bytes = out.scale(dtype.itemsize());
    let fl = it.num(&flops);
    it.emit(draft(
        C::Signal,
        pattern,
        flops,
        x.nbytes().add(&out_bytes),
        out_bytes.scale(1.0 + extra_alloc),
        Some(dtype),
        P::Serial,
        &["fma", "avx2"],
        format!(
            "{}, {} {} -> signal{what}, {}",
            ca.text,
            shape_str(&x.shape),
            x.dtype.name(),
            fmt_flops(fl, "FLOP")
        ),
    ));
}

fn out_float(d: DType) -> DType {
    if d.is_float() || d.is_complex() {
        d
    } else {
        DType::Float64
    }
}

/// `lfilter(b, a, x)`: a direct-form IIR filter, 2 flops per tap per sample.
fn lfilter(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let nb = len_of(ca.arg(0, "b"));
    let na = len_of(ca.arg(1, "a"));
    let x = arr(ca.arg(2, "x"))?;
    let n = x.size();
    let passes = if ca.short() == "filtfilt" { 2.0 } else { 1.0 };
    // filtfilt pads both ends by 3 x max(len(a), len(b)) and runs forward and back.
    let padded = if passes > 1.0 {
        n.add(&nb.max(&na).scale(6.0))
    } else {
        n.clone()
    };
    let flops = padded.mul(&nb.add(&na)).scale(2.0 * passes);
    let name = format!("scipy.signal.{}", ca.short());
    signal_kernel(
        it,
        ca,
        &name,
        flops,
        &x,
        &n,
        if passes > 1.0 { 2.0 } else { 0.0 },
        " (IIR)",
    );
    let y = it.new_array(
        x.shape.clone(),
        out_float(x.dtype),
        Lib::Numpy,
        Origin::Plain,
    );
    if ca.kwarg("zi").is_some_and(|z| !matches!(z, Value::None)) {
        let zf = it.new_array(
            vec![nb.max(&na).sub(&Sym::one())],
            DType::Float64,
            Lib::Numpy,
            Origin::Plain,
        );
        return Some(Value::tuple(vec![y, zf]));
    }
    Some(y)
}

fn sosfilt(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let sections = match ca.arg(0, "sos") {
        Some(Value::Array(s)) => s.shape.first().cloned().unwrap_or_else(Sym::one),
        _ => Sym::num(4.0),
    };
    let x = arr(ca.arg(1, "x"))?;
    let n = x.size();
    let passes = if ca.short() == "sosfiltfilt" {
        2.0
    } else {
        1.0
    };
    let flops = n.mul(&sections).scale(9.0 * passes);
    let name = format!("scipy.signal.{}", ca.short());
    signal_kernel(it, ca, &name, flops, &x, &n, 0.0, " (biquad cascade)");
    Some(it.new_array(
        x.shape.clone(),
        out_float(x.dtype),
        Lib::Numpy,
        Origin::Plain,
    ))
}

/// Convolution: direct (out x kernel) or FFT-based, whichever scipy would pick.
fn convolve(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.arg(0, "in1").or(ca.arg(0, "input")))?;
    let b = arr(ca.arg(1, "in2").or(ca.arg(1, "weights")))?;
    let short = ca.short();
    let default_mode = if ca.name.starts_with("scipy.ndimage") {
        "same"
    } else {
        "full"
    };
    let mode = ca
        .arg(2, "mode")
        .and_then(|m| m.as_text())
        .unwrap_or(default_mode)
        .to_string();
    let mode = if ca.name.starts_with("scipy.ndimage") {
        "same".to_string()
    } else {
        mode
    };
    let nd = a.ndim().max(b.ndim()).max(1);
    let mut shape = Vec::with_capacity(nd);
    for i in 0..nd {
        let x = a.shape.get(i).cloned().unwrap_or_else(Sym::one);
        let y = b.shape.get(i).cloned().unwrap_or_else(Sym::one);
        shape.push(conv_len(&x, &y, &mode));
    }
    let out = Sym::product(shape.iter().cloned());
    let full: Sym = Sym::product((0..nd).map(|i| {
        let x = a.shape.get(i).cloned().unwrap_or_else(Sym::one);
        let y = b.shape.get(i).cloned().unwrap_or_else(Sym::one);
        x.add(&y).sub(&Sym::one())
    }));
    let direct = out.mul(&a.size().min(&b.size())).scale(2.0);
    let fft = full.mul(&full.log2()).scale(15.0).add(&full.scale(6.0));
    let method = ca
        .kwarg("method")
        .and_then(|m| m.as_text())
        .unwrap_or("auto")
        .to_string();
    let use_fft = match (short, method.as_str()) {
        ("fftconvolve" | "oaconvolve", _) => true,
        ("convolve2d" | "correlate2d", _) => false,
        (_, "fft") => true,
        (_, "direct") => false,
        _ if ca.name.starts_with("scipy.ndimage") => false,
        _ => it.num(&fft) < it.num(&direct),
    };
    let (flops, what) = if use_fft {
        (fft, " (FFT method)")
    } else {
        (direct, " (direct)")
    };
    let name = if ca.name.starts_with("scipy.ndimage") {
        format!("scipy.ndimage.{short}")
    } else {
        format!("scipy.signal.{short}")
    };
    signal_kernel(
        it,
        ca,
        &name,
        flops,
        &a,
        &out,
        if use_fft { 3.0 } else { 0.0 },
        what,
    );
    let dtype = crate::arrays::promote(out_float(a.dtype), out_float(b.dtype));
    Some(it.new_array(shape, dtype, Lib::Numpy, Origin::Plain))
}

fn design_fir(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = ca
        .arg(0, "numtaps")
        .or(ca.arg(1, "Nx"))
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(64.0));
    let n = if ca.short() == "get_window" {
        ca.arg(1, "Nx").and_then(|v| v.as_sym()).unwrap_or(n)
    } else {
        n
    };
    it.ops(|o, m| o.calls += m * 10.0);
    Some(it.new_array(vec![n], DType::Float64, Lib::Numpy, Origin::Plain))
}

fn design_iir(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let order = ca
        .arg(0, "N")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(4.0));
    it.ops(|o, m| o.calls += m * 20.0);
    let output = ca
        .kwarg("output")
        .and_then(|v| v.as_text())
        .unwrap_or("ba")
        .to_string();
    Some(match output.as_str() {
        "sos" => it.new_array(
            vec![
                order.add(&Sym::one()).floordiv(&Sym::num(2.0)),
                Sym::num(6.0),
            ],
            DType::Float64,
            Lib::Numpy,
            Origin::Plain,
        ),
        "zpk" => Value::tuple(vec![
            it.new_array(
                vec![order.clone()],
                DType::Complex128,
                Lib::Numpy,
                Origin::Plain,
            ),
            it.new_array(vec![order], DType::Complex128, Lib::Numpy, Origin::Plain),
            Value::Float(None),
        ]),
        _ => {
            let len = order.add(&Sym::one());
            Value::tuple(vec![
                it.new_array(vec![len.clone()], DType::Float64, Lib::Numpy, Origin::Plain),
                it.new_array(vec![len], DType::Float64, Lib::Numpy, Origin::Plain),
            ])
        }
    })
}

fn stft(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = arr(ca.arg(0, "x"))?;
    let n = x.shape.last().cloned().unwrap_or_else(Sym::one);
    let short = ca.short();
    let default_seg = 256.0;
    let nperseg = ca
        .kwarg("nperseg")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(default_seg))
        .min(&n);
    let noverlap = ca
        .kwarg("noverlap")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| {
            nperseg.floordiv(&Sym::num(if short == "spectrogram" { 8.0 } else { 2.0 }))
        });
    let nfft = ca
        .kwarg("nfft")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| nperseg.clone());
    let hop = nperseg.sub(&noverlap).max(&Sym::one());
    let frames = n.div(&hop).add(&Sym::one());
    let bins = nfft.floordiv(&Sym::num(2.0)).add(&Sym::one());
    let batch = Sym::product(x.shape[..x.ndim().saturating_sub(1)].iter().cloned());
    let flops = frames
        .mul(&nfft.mul(&nfft.log2()).scale(2.5).add(&nperseg))
        .mul(&batch);
    let out = bins.mul(&frames).mul(&batch);
    let name = format!("scipy.signal.{short}");
    signal_kernel(
        it,
        ca,
        &name,
        flops,
        &x,
        &out.scale(2.0),
        1.0,
        " (short-time FFT)",
    );
    let f = it.new_array(
        vec![bins.clone()],
        DType::Float64,
        Lib::Numpy,
        Origin::Plain,
    );
    let mut zshape = x.shape[..x.ndim().saturating_sub(1)].to_vec();
    zshape.push(bins.clone());
    if matches!(short, "welch" | "periodogram" | "csd" | "coherence") {
        let p = it.new_array(zshape, DType::Float64, Lib::Numpy, Origin::Plain);
        return Some(Value::tuple(vec![f, p]));
    }
    if short == "istft" {
        let t = it.new_array(vec![n.clone()], DType::Float64, Lib::Numpy, Origin::Plain);
        let y = it.new_array(
            vec![frames.mul(&hop)],
            DType::Float64,
            Lib::Numpy,
            Origin::Plain,
        );
        return Some(Value::tuple(vec![t, y]));
    }
    zshape.push(frames.clone());
    let t = it.new_array(vec![frames], DType::Float64, Lib::Numpy, Origin::Plain);
    let z = it.new_array(
        zshape,
        if short == "stft" {
            DType::Complex128
        } else {
            DType::Float64
        },
        Lib::Numpy,
        Origin::Plain,
    );
    Some(Value::tuple(vec![f, t, z]))
}

fn resample(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = arr(ca.arg(0, "x"))?;
    let n = x.size();
    let out_n = match ca.short() {
        "resample" => ca
            .arg(1, "num")
            .and_then(|v| v.as_sym())
            .unwrap_or_else(|| n.clone()),
        "resample_poly" => {
            let up = ca
                .arg(1, "up")
                .and_then(|v| v.as_sym())
                .unwrap_or_else(Sym::one);
            let down = ca
                .arg(2, "down")
                .and_then(|v| v.as_sym())
                .unwrap_or_else(Sym::one);
            n.mul(&up).div(&down)
        }
        "decimate" => n.div(
            &ca.arg(1, "q")
                .and_then(|v| v.as_sym())
                .unwrap_or_else(|| Sym::num(2.0)),
        ),
        _ => n.clone(),
    };
    let big = n.max(&out_n);
    let flops = big.mul(&big.log2()).scale(10.0);
    let name = format!("scipy.signal.{}", ca.short());
    signal_kernel(it, ca, &name, flops, &x, &out_n, 2.0, "");
    let dtype = if ca.short() == "hilbert" {
        DType::Complex128
    } else {
        out_float(x.dtype)
    };
    Some(it.new_array(vec![out_n], dtype, Lib::Numpy, Origin::Plain))
}

fn window_filter(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = arr(ca.pos.first())?;
    let k = ca
        .arg(1, "kernel_size")
        .or(ca.arg(1, "window_length"))
        .or(ca.arg(1, "sigma"))
        .or(ca.arg(1, "size"))
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(3.0));
    let k = if ca.short().starts_with("gaussian") {
        k.scale(8.0).add(&Sym::one())
    } else {
        k
    };
    let per = if ca.short().contains("med") {
        k.mul(&k.log2())
    } else {
        k.scale(2.0)
    };
    let dims = if ca.short().ends_with("1d") {
        1.0
    } else {
        x.ndim().max(1) as f64
    };
    let flops = x.size().mul(&per).scale(dims);
    let name = if ca.name.starts_with("scipy.ndimage") {
        format!("scipy.ndimage.{}", ca.short())
    } else {
        format!("scipy.signal.{}", ca.short())
    };
    let n = x.size();
    signal_kernel(it, ca, &name, flops, &x, &n, 0.0, "");
    Some(it.new_array(
        x.shape.clone(),
        out_float(x.dtype),
        Lib::Numpy,
        Origin::Plain,
    ))
}

fn find_peaks(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = arr(ca.pos.first())?;
    let n = x.size();
    it.emit(draft(
        C::Reduction,
        &format!("scipy.signal.{}", ca.short()),
        n.scale(3.0),
        x.nbytes(),
        n.scale(2.0),
        Some(x.dtype),
        P::Serial,
        &[],
        format!("{}, {} -> reduction", ca.text, shape_str(&x.shape)),
    ));
    let peaks = it.new_array(vec![n.scale(0.1)], DType::Int64, Lib::Numpy, Origin::Plain);
    Some(Value::tuple(vec![
        peaks,
        Value::Seq {
            kind: SeqKind::Dict,
            items: SeqItems::Known(vec![]),
        },
    ]))
}

fn small_design(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    it.ops(|o, m| o.calls += m * 20.0);
    let n = ca
        .kwarg("worN")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(512.0));
    let w = it.new_array(vec![n.clone()], DType::Float64, Lib::Numpy, Origin::Plain);
    let h = it.new_array(vec![n], DType::Complex128, Lib::Numpy, Origin::Plain);
    Some(match ca.short() {
        "freqz" | "sosfreqz" | "freqs" => Value::tuple(vec![w, h]),
        _ => w,
    })
}

fn cdist(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.pos.first())?;
    let b = if ca.short() == "pdist" {
        a.clone()
    } else {
        arr(ca.pos.get(1))?
    };
    let m = a.shape.first().cloned().unwrap_or_else(Sym::one);
    let n = b.shape.first().cloned().unwrap_or_else(Sym::one);
    let d = a.shape.get(1).cloned().unwrap_or_else(Sym::one);
    let flops = m.mul(&n).mul(&d).scale(3.0);
    let shape = if ca.short() == "pdist" {
        vec![m.mul(&m.sub(&Sym::one())).scale(0.5)]
    } else {
        vec![m.clone(), n.clone()]
    };
    let out = Sym::product(shape.iter().cloned()).scale(8.0);
    let fl = it.num(&flops);
    it.emit(draft(
        C::Matmul,
        &format!("scipy.spatial.distance.{}", ca.short()),
        flops,
        a.nbytes().add(&b.nbytes()).add(&out),
        out,
        Some(DType::Float64),
        P::Serial,
        &["avx2"],
        format!(
            "{}, {} x {} -> matmul (pairwise distances), {}",
            ca.text,
            shape_str(&a.shape),
            shape_str(&b.shape),
            fmt_flops(fl, "FLOP")
        ),
    ));
    let _ = shape_of;
    Some(it.new_array(shape, DType::Float64, Lib::Numpy, Origin::Plain))
}
