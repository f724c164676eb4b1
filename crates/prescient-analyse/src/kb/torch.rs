//! PyTorch: `nn` layers (Linear, Conv1d/2d, activations, Softmax, LayerNorm,
//! BatchNorm, Embedding, MultiheadAttention, recurrent layers, Sequential),
//! `torch.nn.functional`, losses, autograd (`loss.backward()`), optimizers and
//! data loaders. Plain tensor operations reuse the numpy rules.
//!
//! A layer is a library object holding its parameters as arrays that require
//! gradients; calling it costs its forward pass and records the work on the
//! autograd tape, which `backward()` turns into a kernel of about twice the
//! forward flops, with the memory of the gradients.

use super::{draft, e, shape_of, CallArgs, Entry, Rule};
use crate::fmt::{fmt_bytes, fmt_flops};
use crate::host::Host;
use crate::value::*;
use prescient_model::{Category as C, Parallelism as P, Sym};
use std::rc::Rc;

use Rule::Custom;

pub const ENTRIES: &[Entry] = &[
    e(
        &[
            "torch.nn.Linear",
            "torch.nn.Conv1d",
            "torch.nn.Conv2d",
            "torch.nn.Conv3d",
            "torch.nn.ConvTranspose2d",
            "torch.nn.ReLU",
            "torch.nn.GELU",
            "torch.nn.SiLU",
            "torch.nn.Sigmoid",
            "torch.nn.Tanh",
            "torch.nn.LeakyReLU",
            "torch.nn.ELU",
            "torch.nn.Softmax",
            "torch.nn.LogSoftmax",
            "torch.nn.LayerNorm",
            "torch.nn.BatchNorm1d",
            "torch.nn.BatchNorm2d",
            "torch.nn.GroupNorm",
            "torch.nn.Dropout",
            "torch.nn.Dropout2d",
            "torch.nn.Identity",
            "torch.nn.Flatten",
            "torch.nn.Embedding",
            "torch.nn.MaxPool1d",
            "torch.nn.MaxPool2d",
            "torch.nn.AvgPool2d",
            "torch.nn.AdaptiveAvgPool2d",
            "torch.nn.AdaptiveAvgPool1d",
            "torch.nn.MultiheadAttention",
            "torch.nn.LSTM",
            "torch.nn.GRU",
            "torch.nn.RNN",
            "torch.nn.TransformerEncoderLayer",
            "torch.nn.CrossEntropyLoss",
            "torch.nn.MSELoss",
            "torch.nn.L1Loss",
            "torch.nn.NLLLoss",
            "torch.nn.BCELoss",
            "torch.nn.BCEWithLogitsLoss",
            "torch.nn.SmoothL1Loss",
            "torch.nn.HuberLoss",
            "torch.nn.KLDivLoss",
            "torch.nn.Upsample",
        ],
        C::Nn,
        Custom(layer_new),
    ),
    e(
        &["torch.nn.Sequential", "torch.nn.ModuleList"],
        C::Nn,
        Custom(sequential_new),
    ),
    e(
        &["torch.nn.Layer.__call__", "torch.nn.Layer.forward"],
        C::Nn,
        Custom(layer_call),
    ),
    e(
        &[
            "torch.nn.Sequential.__call__",
            "torch.nn.Sequential.forward",
        ],
        C::Nn,
        Custom(sequential_call),
    ),
    e(
        &[
            "torch.nn.Layer.parameters",
            "torch.nn.Sequential.parameters",
            "torch.nn.Module.parameters",
            "torch.nn.Module.named_parameters",
            "torch.nn.Layer.named_parameters",
            "torch.nn.Sequential.named_parameters",
        ],
        C::Nn,
        Custom(parameters),
    ),
    e(
        &[
            "torch.nn.Module.train",
            "torch.nn.Module.eval",
            "torch.nn.Module.to",
            "torch.nn.Module.cuda",
            "torch.nn.Module.cpu",
            "torch.nn.Module.float",
            "torch.nn.Module.double",
            "torch.nn.Layer.train",
            "torch.nn.Layer.eval",
            "torch.nn.Layer.to",
            "torch.nn.Sequential.train",
            "torch.nn.Sequential.eval",
            "torch.nn.Sequential.to",
            "torch.compile",
            "torch.jit.script",
            "torch.nn.Module.requires_grad_",
            "torch.nn.Module.apply",
            "torch.nn.Sequential.cuda",
            "torch.nn.Layer.cuda",
            "torch.nn.Sequential.cpu",
        ],
        C::Nn,
        Custom(returns_self),
    ),
    e(
        &[
            "torch.nn.Module.__init__",
            "torch.nn.Module.zero_grad",
            "torch.nn.Layer.zero_grad",
            "torch.nn.Sequential.zero_grad",
            "torch.nn.Module.register_buffer",
            "torch.nn.Module.add_module",
            "torch.nn.Module.state_dict",
            "torch.nn.Module.load_state_dict",
            "torch.nn.init.xavier_uniform_",
            "torch.nn.init.kaiming_normal_",
            "torch.nn.init.normal_",
            "torch.nn.init.zeros_",
            "torch.nn.init.constant_",
            "torch.nn.init.uniform_",
            "torch.nn.init.kaiming_uniform_",
            "torch.nn.init.xavier_normal_",
            "torch.nn.Sequential.state_dict",
            "torch.nn.Sequential.append",
            "torch.nn.Module.modules",
            "torch.nn.Module.children",
        ],
        C::Nn,
        Custom(nothing),
    ),
    e(
        &["torch.nn.Module.__call__", "torch.nn.Module.forward"],
        C::Nn,
        Custom(nothing),
    ),
    e(
        &[
            "torch.nn.functional.relu",
            "torch.relu",
            "Tensor.relu",
            "torch.nn.functional.relu_",
            "torch.nn.functional.leaky_relu",
            "torch.nn.functional.elu",
            "torch.nn.functional.dropout",
            "torch.nn.functional.gelu",
            "torch.nn.functional.silu",
            "torch.nn.functional.sigmoid",
            "torch.nn.functional.tanh",
            "torch.nn.functional.softmax",
            "torch.softmax",
            "Tensor.softmax",
            "torch.nn.functional.log_softmax",
            "torch.log_softmax",
            "Tensor.log_softmax",
            "torch.nn.functional.layer_norm",
            "torch.nn.functional.batch_norm",
            "torch.nn.functional.normalize",
            "torch.nn.functional.softplus",
            "torch.nn.functional.mish",
            "torch.nn.functional.hardswish",
            "torch.nn.functional.group_norm",
        ],
        C::Nn,
        Custom(functional_map),
    ),
    e(
        &["torch.nn.functional.linear"],
        C::Nn,
        Custom(functional_linear),
    ),
    e(
        &["torch.nn.functional.conv1d", "torch.nn.functional.conv2d"],
        C::Nn,
        Custom(functional_conv),
    ),
    e(
        &[
            "torch.nn.functional.max_pool2d",
            "torch.nn.functional.avg_pool2d",
            "torch.nn.functional.max_pool1d",
            "torch.nn.functional.avg_pool1d",
            "torch.nn.functional.adaptive_avg_pool2d",
            "torch.nn.functional.interpolate",
        ],
        C::Nn,
        Custom(functional_pool),
    ),
    e(
        &["torch.nn.functional.embedding"],
        C::Nn,
        Custom(functional_embedding),
    ),
    e(
        &["torch.nn.functional.scaled_dot_product_attention"],
        C::Nn,
        Custom(sdpa),
    ),
    e(
        &[
            "torch.nn.functional.cross_entropy",
            "torch.nn.functional.mse_loss",
            "torch.nn.functional.nll_loss",
            "torch.nn.functional.l1_loss",
            "torch.nn.functional.binary_cross_entropy",
            "torch.nn.functional.binary_cross_entropy_with_logits",
            "torch.nn.functional.smooth_l1_loss",
            "torch.nn.functional.kl_div",
        ],
        C::Nn,
        Custom(functional_loss),
    ),
    e(
        &["Tensor.backward", "torch.autograd.backward"],
        C::Nn,
        Custom(backward),
    ),
    e(
        &[
            "torch.optim.SGD",
            "torch.optim.Adam",
            "torch.optim.AdamW",
            "torch.optim.RMSprop",
            "torch.optim.Adagrad",
            "torch.optim.LBFGS",
            "torch.optim.Adadelta",
            "torch.optim.Adamax",
            "torch.optim.NAdam",
            "torch.optim.RAdam",
            "torch.optim.ASGD",
            "torch.optim.Rprop",
        ],
        C::Nn,
        Custom(optimizer_new),
    ),
    e(
        &[
            "torch.optim.Optimizer.step",
            "torch.optim.Optimizer.zero_grad",
            "torch.optim.lr_scheduler.StepLR",
            "torch.optim.lr_scheduler.CosineAnnealingLR",
            "torch.optim.lr_scheduler.ExponentialLR",
            "torch.optim.Scheduler.step",
        ],
        C::Nn,
        Custom(optimizer_op),
    ),
    e(
        &["torch.utils.data.TensorDataset"],
        C::Other,
        Custom(tensor_dataset),
    ),
    e(
        &["torch.utils.data.DataLoader"],
        C::Other,
        Custom(dataloader),
    ),
];

fn set(obj: &Value, k: &str, v: Value) {
    if let Value::Obj { attrs, .. } = obj {
        attrs.borrow_mut().insert(k.into(), v);
    }
}

fn get(obj: &Value, k: &str) -> Option<Value> {
    match obj {
        Value::Obj { attrs, .. } => attrs.borrow().get(k).cloned(),
        _ => None,
    }
}

fn geti(obj: &Value, k: &str) -> Option<Sym> {
    get(obj, k).and_then(|v| v.as_sym())
}

fn param(it: &mut dyn Host, shape: Vec<Sym>) -> Value {
    let v = it.new_array(shape, DType::Float32, Lib::Torch, Origin::Plain);
    crate::arrays::with_grad(v, true)
}

/// A pair `(k, k)` from an int or a tuple argument.
fn pair(v: Option<&Value>, default: f64) -> (Sym, Sym) {
    match v {
        Some(Value::Int(k)) => (k.clone(), k.clone()),
        Some(Value::Seq {
            items: SeqItems::Known(xs),
            ..
        }) if xs.len() >= 2 => (
            xs[0].as_sym().unwrap_or_else(|| Sym::num(default)),
            xs[1].as_sym().unwrap_or_else(|| Sym::num(default)),
        ),
        _ => (Sym::num(default), Sym::num(default)),
    }
}

fn layer_new(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let kind = ca.short().to_string();
    let obj = Value::new_obj("torch.nn.Layer");
    set(&obj, "kind", Value::str_known(&kind));
    for (k, v) in &ca.kw {
        set(&obj, k, v.clone());
    }
    let a = |i: usize, k: &str| ca.arg(i, k).and_then(|v| v.as_sym());
    match kind.as_str() {
        "Linear" => {
            let fin =
                a(0, "in_features").unwrap_or_else(|| it.unknown_int("in_features of nn.Linear"));
            let fout =
                a(1, "out_features").unwrap_or_else(|| it.unknown_int("out_features of nn.Linear"));
            set(&obj, "in_features", Value::Int(fin.clone()));
            set(&obj, "out_features", Value::Int(fout.clone()));
            let w = param(it, vec![fout.clone(), fin]);
            set(&obj, "weight", w);
            if !matches!(ca.kwarg("bias"), Some(Value::Bool(Some(false)))) {
                let b = param(it, vec![fout]);
                set(&obj, "bias", b);
            }
        }
        "Conv1d" | "Conv2d" | "Conv3d" | "ConvTranspose2d" => {
            let cin = a(0, "in_channels").unwrap_or_else(|| it.unknown_int("in_channels"));
            let cout = a(1, "out_channels").unwrap_or_else(|| it.unknown_int("out_channels"));
            let (kh, kw) = pair(ca.arg(2, "kernel_size"), 3.0);
            let (sh, sw) = pair(ca.arg(3, "stride"), 1.0);
            let padding = ca.arg(4, "padding").cloned();
            let (ph, pw) = match &padding {
                Some(Value::Str { text: Some(t), .. }) if &**t == "same" => (
                    kh.sub(&Sym::one()).scale(0.5),
                    kw.sub(&Sym::one()).scale(0.5),
                ),
                other => pair(other.as_ref(), 0.0),
            };
            let groups = ca
                .kwarg("groups")
                .and_then(|v| v.as_sym())
                .unwrap_or_else(Sym::one);
            for (k, v) in [
                ("in_channels", cin.clone()),
                ("out_channels", cout.clone()),
                ("kh", kh.clone()),
                ("kw", kw.clone()),
                ("sh", sh),
                ("sw", sw),
                ("ph", ph),
                ("pw", pw),
                ("groups", groups.clone()),
            ] {
                set(&obj, k, Value::Int(v));
            }
            let mut wshape = vec![cout.clone(), cin.div(&groups), kh];
            if kind != "Conv1d" {
                wshape.push(kw);
            }
            let w = param(it, wshape);
            set(&obj, "weight", w);
            let b = param(it, vec![cout]);
            set(&obj, "bias", b);
        }
        "LayerNorm" | "BatchNorm1d" | "BatchNorm2d" | "GroupNorm" => {
            let d = match ca.arg(0, "normalized_shape").or(ca.arg(0, "num_features")) {
                Some(v) => shape_of(it, v).map(Sym::product).unwrap_or_else(Sym::one),
                None => Sym::one(),
            };
            let d = if kind == "GroupNorm" {
                a(1, "num_channels").unwrap_or(d)
            } else {
                d
            };
            let w = param(it, vec![d.clone()]);
            set(&obj, "weight", w);
            let b = param(it, vec![d]);
            set(&obj, "bias", b);
        }
        "Embedding" => {
            let n = a(0, "num_embeddings").unwrap_or_else(|| it.unknown_int("num_embeddings"));
            let d = a(1, "embedding_dim").unwrap_or_else(|| it.unknown_int("embedding_dim"));
            set(&obj, "dim", Value::Int(d.clone()));
            let w = param(it, vec![n, d]);
            set(&obj, "weight", w);
        }
        "MultiheadAttention" | "TransformerEncoderLayer" => {
            let e = a(0, "embed_dim")
                .or(a(0, "d_model"))
                .unwrap_or_else(|| it.unknown_int("embed_dim"));
            set(&obj, "embed_dim", Value::Int(e.clone()));
            let w = param(it, vec![e.scale(3.0), e.clone()]);
            set(&obj, "in_proj_weight", w);
            let o = param(it, vec![e.clone(), e.clone()]);
            set(&obj, "out_proj", o);
            if kind == "TransformerEncoderLayer" {
                let ff = a(2, "dim_feedforward").unwrap_or_else(|| Sym::num(2048.0));
                set(&obj, "ff", Value::Int(ff.clone()));
                let w1 = param(it, vec![ff.clone(), e.clone()]);
                set(&obj, "linear1", w1);
                let w2 = param(it, vec![e, ff]);
                set(&obj, "linear2", w2);
            }
        }
        "LSTM" | "GRU" | "RNN" => {
            let fin = a(0, "input_size").unwrap_or_else(|| it.unknown_int("input_size"));
            let h = a(1, "hidden_size").unwrap_or_else(|| it.unknown_int("hidden_size"));
            let layers = a(2, "num_layers").unwrap_or_else(Sym::one);
            let gates = match kind.as_str() {
                "LSTM" => 4.0,
                "GRU" => 3.0,
                _ => 1.0,
            };
            set(&obj, "hidden", Value::Int(h.clone()));
            set(&obj, "layers", Value::Int(layers.clone()));
            set(&obj, "gates", Value::Float(Some(gates)));
            set(&obj, "input", Value::Int(fin.clone()));
            let w = param(it, vec![layers, h.scale(gates), fin.add(&h)]);
            set(&obj, "weight", w);
        }
        "Softmax" | "LogSoftmax" => {
            if let Some(d) = ca.arg(0, "dim") {
                set(&obj, "dim", d.clone());
            }
        }
        _ => {
            for (i, v) in ca.pos.iter().enumerate() {
                set(&obj, &format!("arg{i}"), v.clone());
            }
        }
    }
    Some(obj)
}

fn sequential_new(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let obj = Value::new_obj("torch.nn.Sequential");
    let mods: Value = match ca.pos.as_slice() {
        [Value::Seq {
            kind: SeqKind::Dict,
            items: SeqItems::Known(kv),
        }] => Value::list(
            kv.iter()
                .filter_map(|p| match p {
                    Value::Seq {
                        items: SeqItems::Known(pair),
                        ..
                    } => pair.get(1).cloned(),
                    _ => None,
                })
                .collect(),
        ),
        // A list of modules (`ModuleList([...])`, `Sequential(*layers)` spread).
        [v @ Value::Seq { .. }] => v.clone(),
        [Value::Starred(inner)] => (**inner).clone(),
        other => Value::list(other.to_vec()),
    };
    set(&obj, "__modules__", mods);
    Some(obj)
}

/// Marks forward work on the autograd tape.
fn tape(it: &mut dyn Host, flops: &Sym, out_bytes: &Sym) {
    if it.grad().disabled == 0 {
        it.grad().flops += it.num(flops) * it.mult_num();
        it.grad().act_bytes += it.num(out_bytes);
    }
}

fn nn_kernel(
    it: &mut dyn Host,
    pattern: &str,
    flops: Sym,
    x: &ArrayVal,
    out_shape: &[Sym],
    text: &str,
    threaded: bool,
) -> Value {
    let dtype = x.dtype;
    let out_bytes = Sym::product(out_shape.iter().cloned()).scale(dtype.itemsize());
    let fl = it.num(&flops);
    it.emit(draft(
        C::Nn,
        pattern,
        flops.clone(),
        x.nbytes().add(&out_bytes),
        out_bytes.clone(),
        Some(dtype),
        if threaded { P::Threaded } else { P::Serial },
        &["fma", "avx2"],
        format!(
            "{text}, {} -> {} {} -> nn, {}",
            shape_str(&x.shape),
            shape_str(out_shape),
            dtype.name(),
            fmt_flops(fl, "FLOP")
        ),
    ));
    tape(it, &flops, &out_bytes);
    let v = it.new_array(out_shape.to_vec(), dtype, Lib::Torch, Origin::Plain);
    crate::arrays::with_grad(v, true)
}

fn input(v: Option<&Value>) -> Option<ArrayVal> {
    match v? {
        Value::Array(a) => Some((**a).clone()),
        Value::Unknown => None,
        other => Some(crate::arrays::array_like(other)),
    }
}

fn conv_out(n: &Sym, k: &Sym, s: &Sym, p: &Sym) -> Sym {
    n.add(&p.scale(2.0)).sub(k).floordiv(s).add(&Sym::one())
}

/// Forward pass of a single layer object on input `x`.
fn forward(
    it: &mut dyn Host,
    layer: &Value,
    x: &ArrayVal,
    rest: &[Value],
    text: &str,
) -> Option<Value> {
    let kind = get(layer, "kind")
        .and_then(|k| k.as_text().map(str::to_string))
        .unwrap_or_default(); // Layers need their batch/channel/spatial axes; anything smaller is not a call
                              // the knowledge base can cost.
    let needs = match kind.as_str() {
        "Conv2d" | "Conv3d" | "ConvTranspose2d" => 3,
        "Conv1d" | "MaxPool1d" | "AdaptiveAvgPool1d" | "MaxPool2d" | "AvgPool2d"
        | "AdaptiveAvgPool2d" | "Upsample" => 2,
        _ => 0,
    };
    if x.ndim() < needs {
        return None;
    }

    let pat = format!("torch.nn.{kind}");
    let n = x.size();
    let ew = |it: &mut dyn Host, f: f64| nn_kernel(it, &pat, n.scale(f), x, &x.shape, text, false);
    Some(match kind.as_str() {
        "Linear" => {
            let fin = geti(layer, "in_features")?;
            let fout = geti(layer, "out_features")?;
            let batch = n.div(&fin);
            let mut shape = x.shape.clone();
            if let Some(l) = shape.last_mut() {
                *l = fout.clone();
            }
            nn_kernel(
                it,
                &pat,
                batch.mul(&fin).mul(&fout).scale(2.0),
                x,
                &shape,
                text,
                true,
            )
        }
        "Conv1d" | "Conv2d" | "Conv3d" | "ConvTranspose2d" => {
            let cin = geti(layer, "in_channels")?;
            let cout = geti(layer, "out_channels")?;
            let (kh, kw, sh, sw, ph, pw) = (
                geti(layer, "kh")?,
                geti(layer, "kw")?,
                geti(layer, "sh")?,
                geti(layer, "sw")?,
                geti(layer, "ph")?,
                geti(layer, "pw")?,
            );
            let groups = geti(layer, "groups").unwrap_or_else(Sym::one);
            let nd = x.ndim();
            let (shape, k) = if kind == "Conv1d" {
                let l = conv_out(x.shape.last()?, &kh, &sh, &ph);
                let mut s = x.shape[..nd - 2].to_vec();
                s.push(cout.clone());
                s.push(l);
                (s, kh.clone())
            } else {
                if nd < 3 {
                    return None;
                }
                let h = conv_out(&x.shape[nd - 2], &kh, &sh, &ph);
                let w = conv_out(&x.shape[nd - 1], &kw, &sw, &pw);
                let mut s = x.shape[..nd - 3].to_vec();
                s.push(cout.clone());
                s.push(h);
                s.push(w);
                (s, kh.mul(&kw))
            };
            let out = Sym::product(shape.iter().cloned());
            let flops = out.mul(&cin.div(&groups)).mul(&k).scale(2.0);
            nn_kernel(it, &pat, flops, x, &shape, text, true)
        }
        "ReLU" | "LeakyReLU" | "Dropout" | "Dropout2d" | "Identity" => ew(it, 1.0),
        "GELU" | "SiLU" | "Sigmoid" | "Tanh" | "ELU" => ew(it, 20.0),
        "Softmax" | "LogSoftmax" => ew(it, 25.0),
        "LayerNorm" | "GroupNorm" => ew(it, 8.0),
        "BatchNorm1d" | "BatchNorm2d" => ew(it, 6.0),
        "Flatten" => {
            let start = geti(layer, "start_dim")
                .and_then(|s| s.as_int())
                .unwrap_or(1)
                .max(0) as usize;
            let mut s: Vec<Sym> = x.shape[..start.min(x.ndim())].to_vec();
            s.push(Sym::product(x.shape[start.min(x.ndim())..].iter().cloned()));
            let mut v = x.clone();
            v.shape = s;
            Value::Array(Rc::new(v))
        }
        "Embedding" => {
            let d = geti(layer, "dim")?;
            let mut s = x.shape.clone();
            s.push(d);
            let mut xx = x.clone();
            xx.dtype = DType::Float32;
            nn_kernel(it, &pat, n.clone(), &xx, &s, text, false)
        }
        "MaxPool1d" | "MaxPool2d" | "AvgPool2d" => {
            let k = get(layer, "kernel_size").or(get(layer, "arg0"));
            let (kh, kw) = pair(k.as_ref(), 2.0);
            let st = get(layer, "stride").or(get(layer, "arg1"));
            let (sh, sw) = match st {
                Some(s) => pair(Some(&s), 2.0),
                None => (kh.clone(), kw.clone()),
            };
            let nd = x.ndim();
            let mut s = x.shape.clone();
            if kind == "MaxPool1d" {
                s[nd - 1] = conv_out(&x.shape[nd - 1], &kh, &sh, &Sym::zero());
            } else if nd >= 2 {
                s[nd - 2] = conv_out(&x.shape[nd - 2], &kh, &sh, &Sym::zero());
                s[nd - 1] = conv_out(&x.shape[nd - 1], &kw, &sw, &Sym::zero());
            }
            nn_kernel(it, &pat, n.clone(), x, &s, text, false)
        }
        "AdaptiveAvgPool2d" | "AdaptiveAvgPool1d" | "Upsample" => {
            let target = get(layer, "arg0")
                .or(get(layer, "output_size"))
                .or(get(layer, "size"));
            let (oh, ow) = pair(target.as_ref(), 1.0);
            let nd = x.ndim();
            let mut s = x.shape.clone();
            if kind == "AdaptiveAvgPool1d" {
                s[nd - 1] = oh;
            } else if nd >= 2 {
                s[nd - 2] = oh;
                s[nd - 1] = ow;
            }
            nn_kernel(it, &pat, n.clone(), x, &s, text, false)
        }
        "MultiheadAttention" => {
            let e = geti(layer, "embed_dim")?;
            let batch_first = matches!(get(layer, "batch_first"), Some(Value::Bool(Some(true))));
            let kv = rest
                .first()
                .and_then(|v| v.as_array().cloned())
                .map(|a| (*a).clone())
                .unwrap_or_else(|| x.clone());
            let (l, s_len) = if batch_first {
                (
                    x.shape
                        .get(x.ndim().saturating_sub(2))
                        .cloned()
                        .unwrap_or_else(Sym::one),
                    kv.shape
                        .get(kv.ndim().saturating_sub(2))
                        .cloned()
                        .unwrap_or_else(Sym::one),
                )
            } else {
                (
                    x.shape.first().cloned().unwrap_or_else(Sym::one),
                    kv.shape.first().cloned().unwrap_or_else(Sym::one),
                )
            };
            let nb = n.div(&l).div(&e);
            let proj = nb
                .mul(&l.scale(2.0).add(&s_len.scale(2.0)))
                .mul(&e)
                .mul(&e)
                .scale(2.0);
            let attn = nb.mul(&l).mul(&s_len).mul(&e).scale(4.0);
            let out = nn_kernel(it, &pat, proj.add(&attn), x, &x.shape, text, true);
            let w = it.new_array(
                vec![nb, l, s_len],
                DType::Float32,
                Lib::Torch,
                Origin::Plain,
            );
            Value::tuple(vec![out, w])
        }
        "TransformerEncoderLayer" => {
            let e = geti(layer, "embed_dim")?;
            let ff = geti(layer, "ff")?;
            let tokens = n.div(&e);
            let l = if matches!(get(layer, "batch_first"), Some(Value::Bool(Some(true)))) {
                x.shape.get(1).cloned()
            } else {
                x.shape.first().cloned()
            }
            .unwrap_or_else(Sym::one);
            let flops = tokens
                .mul(&e)
                .mul(&e)
                .scale(8.0)
                .add(&tokens.mul(&l).mul(&e).scale(4.0))
                .add(&tokens.mul(&e).mul(&ff).scale(4.0));
            nn_kernel(it, &pat, flops, x, &x.shape, text, true)
        }
        "LSTM" | "GRU" | "RNN" => {
            let h = geti(layer, "hidden")?;
            let layers = geti(layer, "layers").unwrap_or_else(Sym::one);
            let fin = geti(layer, "input")?;
            let gates = match get(layer, "gates") {
                Some(Value::Float(Some(g))) => g,
                _ => 4.0,
            };
            let steps = n.div(&fin);
            let flops = steps
                .mul(&layers)
                .mul(&h.scale(gates))
                .mul(&fin.add(&h))
                .scale(2.0);
            let mut s = x.shape.clone();
            if let Some(last) = s.last_mut() {
                *last = h.clone();
            }
            // Recurrences are sequential over time: little parallelism.
            let out = nn_kernel(it, &pat, flops, x, &s, text, false);
            let hn = it.new_array(vec![layers, h], DType::Float32, Lib::Torch, Origin::Plain);
            Value::tuple(vec![out, hn])
        }
        k if k.ends_with("Loss") => {
            let flops = n.scale(if k == "CrossEntropyLoss" { 30.0 } else { 3.0 });
            let v = nn_kernel(it, &pat, flops, x, &[], text, false);
            return Some(v);
        }
        _ => return None,
    })
}

fn layer_call(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let layer = ca.recv.clone()?;
    let x = input(ca.pos.first())?;
    forward(it, &layer, &x, &ca.pos[1..], &ca.text)
}

fn sequential_call(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let seq = ca.recv.clone()?;
    let mut x = ca.pos.first()?.clone();
    match get(&seq, "__modules__") {
        Some(Value::Seq {
            items: SeqItems::Known(mods),
            ..
        }) => {
            for m in mods {
                x = apply_module(it, ca, &m, x)?;
            }
        }
        // n copies of one module: its forward pass runs n times.
        Some(Value::Seq {
            items: SeqItems::Homog { elem, len, .. },
            ..
        }) => {
            it.enter_loop(vec![], len, true);
            x = apply_module(it, ca, &elem, x)?;
            it.exit_loop();
        }
        _ => {}
    }
    Some(x)
}

/// One module of a sequential container applied to `x`.
fn apply_module(it: &mut dyn Host, ca: &CallArgs, m: &Value, x: Value) -> Option<Value> {
    Some(match m {
        Value::Obj { class, .. } if class.as_ref() == "torch.nn.Layer" => {
            let a = input(Some(&x))?;
            let kind = get(m, "kind")
                .and_then(|k| k.as_text().map(str::to_string))
                .unwrap_or_default();
            forward(it, m, &a, &[], &format!("{} [{kind}]", ca.text))?
        }
        Value::Obj { class, .. } if class.as_ref() == "torch.nn.Sequential" => {
            let inner = CallArgs {
                name: "torch.nn.Sequential.__call__".into(),
                recv: Some(m.clone()),
                pos: vec![x],
                kw: vec![],
                text: ca.text.clone(),
                arg_exprs: vec![],
                recv_expr: None,
                line: ca.line,
            };
            sequential_call(it, &inner)?
        }
        other => it.call_value_simple(other.clone(), vec![x]),
    })
}

/// Every parameter array reachable from a module (layers, sequentials, user modules).
pub fn collect_params(v: &Value, out: &mut Vec<Rc<ArrayVal>>, depth: u32) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(a) if a.requires_grad && !out.iter().any(|p| p.id == a.id) => {
            out.push(a.clone());
        }
        Value::Obj { attrs, .. } | Value::Instance { attrs, .. } => {
            for x in attrs.borrow().values() {
                collect_params(x, out, depth + 1);
            }
        }
        Value::Seq {
            items: SeqItems::Known(xs),
            ..
        } => {
            for x in xs {
                collect_params(x, out, depth + 1);
            }
        }
        Value::Seq {
            items: SeqItems::Homog { elem, len, .. },
            ..
        } => {
            // n identical modules: count the element's parameters n times.
            let mut inner = Vec::new();
            collect_params(elem, &mut inner, depth + 1);
            for p in inner {
                let mut x = (*p).clone();
                x.shape.insert(0, len.clone());
                out.push(Rc::new(x));
            }
        }
        _ => {}
    }
}

fn parameters(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let mut ps = Vec::new();
    collect_params(ca.recv.as_ref()?, &mut ps, 0);
    Some(Value::list(ps.into_iter().map(Value::Array).collect()))
}

fn returns_self(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    Some(
        ca.recv
            .clone()
            .or_else(|| ca.pos.first().cloned())
            .unwrap_or(Value::None),
    )
}

fn nothing(_: &mut dyn Host, _: &CallArgs) -> Option<Value> {
    Some(Value::None)
}

fn functional_map(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = input(ca.subject())?;
    let short = ca.short().trim_end_matches('_');
    let f = match short {
        "relu" | "leaky_relu" | "dropout" | "elu" => 1.0,
        "softmax" | "log_softmax" => 25.0,
        "layer_norm" | "group_norm" | "normalize" => 8.0,
        "batch_norm" => 6.0,
        _ => 20.0,
    };
    let pattern = format!("torch.nn.functional.{short}");
    let n = x.size();
    let out = nn_kernel(it, &pattern, n.scale(f), &x, &x.shape, &ca.text, false);
    Some(if x.requires_grad || it.grad().disabled > 0 {
        out
    } else {
        strip_grad(out)
    })
}

fn strip_grad(v: Value) -> Value {
    match v {
        Value::Array(a) => {
            let mut x = (*a).clone();
            x.requires_grad = false;
            Value::Array(Rc::new(x))
        }
        o => o,
    }
}

fn functional_linear(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = input(ca.pos.first())?;
    let w = input(ca.pos.get(1))?;
    let fout = w.shape.first()?.clone();
    let fin = w.shape.get(1)?.clone();
    let mut shape = x.shape.clone();
    *shape.last_mut()? = fout.clone();
    let flops = x.size().div(&fin).mul(&fin).mul(&fout).scale(2.0);
    Some(nn_kernel(
        it,
        "torch.nn.functional.linear",
        flops,
        &x,
        &shape,
        &ca.text,
        true,
    ))
}

fn functional_conv(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = input(ca.pos.first())?;
    let w = input(ca.pos.get(1))?;
    let (sh, sw) = pair(ca.arg(3, "stride"), 1.0);
    let (ph, pw) = pair(ca.arg(4, "padding"), 0.0);
    if x.ndim() < 3 {
        return None;
    }
    let cout = w.shape.first()?.clone();
    let cin_g = w.shape.get(1)?.clone();
    let nd = x.ndim();
    let (shape, k) = if ca.short() == "conv1d" {
        let kl = w.shape.get(2)?.clone();
        let mut s = x.shape[..nd - 2].to_vec();
        s.push(cout);
        s.push(conv_out(x.shape.last()?, &kl, &sh, &ph));
        (s, kl)
    } else {
        let (kh, kw) = (w.shape.get(2)?.clone(), w.shape.get(3)?.clone());
        let mut s = x.shape[..nd.saturating_sub(3)].to_vec();
        s.push(cout);
        s.push(conv_out(&x.shape[nd - 2], &kh, &sh, &ph));
        s.push(conv_out(&x.shape[nd - 1], &kw, &sw, &pw));
        (s, kh.mul(&kw))
    };
    let flops = Sym::product(shape.iter().cloned())
        .mul(&cin_g)
        .mul(&k)
        .scale(2.0);
    Some(nn_kernel(
        it,
        &format!("torch.nn.functional.{}", ca.short()),
        flops,
        &x,
        &shape,
        &ca.text,
        true,
    ))
}

fn functional_pool(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = input(ca.pos.first())?;
    let nd = x.ndim();
    if nd < 2 {
        return None;
    }
    let mut s = x.shape.clone();
    match ca.short() {
        "adaptive_avg_pool2d" | "interpolate" => {
            let (oh, ow) = pair(ca.arg(1, "output_size").or(ca.kwarg("size")), 1.0);
            if nd >= 2 {
                s[nd - 2] = oh;
                s[nd - 1] = ow;
            }
        }
        short => {
            let (kh, kw) = pair(ca.arg(1, "kernel_size"), 2.0);
            let (sh, sw) = match ca.arg(2, "stride") {
                Some(v) => pair(Some(v), 2.0),
                None => (kh.clone(), kw.clone()),
            };
            if short.ends_with("1d") {
                s[nd - 1] = conv_out(&x.shape[nd - 1], &kh, &sh, &Sym::zero());
            } else if nd >= 2 {
                s[nd - 2] = conv_out(&x.shape[nd - 2], &kh, &sh, &Sym::zero());
                s[nd - 1] = conv_out(&x.shape[nd - 1], &kw, &sw, &Sym::zero());
            }
        }
    }
    let n = x.size();
    Some(nn_kernel(
        it,
        &format!("torch.nn.functional.{}", ca.short()),
        n,
        &x,
        &s,
        &ca.text,
        false,
    ))
}

fn functional_embedding(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let idx = input(ca.pos.first())?;
    let w = input(ca.pos.get(1))?;
    let mut s = idx.shape.clone();
    s.push(w.shape.get(1)?.clone());
    let n = Sym::product(s.iter().cloned());
    Some(nn_kernel(
        it,
        "torch.nn.functional.embedding",
        n,
        &w,
        &s,
        &ca.text,
        false,
    ))
}

fn sdpa(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let q = input(ca.pos.first())?;
    let k = input(ca.pos.get(1)).unwrap_or_else(|| q.clone());
    let nd = q.ndim();
    if nd < 2 {
        return None;
    }
    let l = q.shape[nd - 2].clone();
    let e = q.shape[nd - 1].clone();
    let s_len = k
        .shape
        .get(k.ndim().saturating_sub(2))
        .cloned()
        .unwrap_or_else(|| l.clone());
    let batch = Sym::product(q.shape[..nd - 2].iter().cloned());
    let flops = batch.mul(&l).mul(&s_len).mul(&e).scale(4.0);
    Some(nn_kernel(
        it,
        "torch.nn.functional.scaled_dot_product_attention",
        flops,
        &q,
        &q.shape,
        &ca.text,
        true,
    ))
}

fn functional_loss(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = input(ca.pos.first())?;
    let f = if ca.short() == "cross_entropy" {
        30.0
    } else {
        3.0
    };
    let n = x.size();
    Some(nn_kernel(
        it,
        &format!("torch.nn.functional.{}", ca.short()),
        n.scale(f),
        &x,
        &[],
        &ca.text,
        false,
    ))
}

/// `loss.backward()`: about twice the forward work recorded since the last one,
/// and memory for the gradients of every parameter that took part.
fn backward(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let fwd = it.grad().flops;
    let act = it.grad().act_bytes;
    it.grad().flops = 0.0;
    it.grad().act_bytes = 0.0;
    let m = it.mult_num().max(1.0);
    let per_exec = fwd / m;
    let flops = Sym::num(per_exec * 2.0);
    let b = act;
    it.emit(draft(
        C::Nn,
        "torch.autograd.backward",
        flops,
        Sym::num(act * 3.0),
        Sym::num(act),
        Some(DType::Float32),
        P::Threaded,
        &["fma", "avx2"],
        format!(
            "{}, gradients of {} of forward work, {} of saved activations -> nn",
            ca.text,
            fmt_flops(per_exec, "FLOP"),
            fmt_bytes(b)
        ),
    ));
    Some(Value::None)
}

fn optimizer_new(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let mut ps = Vec::new();
    if let Some(p) = ca.arg(0, "params") {
        collect_params(p, &mut ps, 0);
    }
    let count: Sym = Sym::sum(ps.iter().map(|p| p.size()));
    let kind = ca.short().to_string();
    let obj = Value::new_obj("torch.optim.Optimizer");
    set(&obj, "kind", Value::str_known(&kind));
    set(&obj, "count", Value::Int(count.clone()));
    let momentum = ca
        .kwarg("momentum")
        .and_then(|v| v.as_sym())
        .and_then(|s| s.as_num())
        .unwrap_or(0.0)
        > 0.0;
    // Optimizer state lives as long as the optimizer: Adam keeps two moments.
    let state_per = match kind.as_str() {
        "Adam" | "AdamW" | "Adadelta" | "Adamax" | "NAdam" | "RAdam" => 2.0,
        "RMSprop" | "Adagrad" | "ASGD" | "Rprop" => 1.0,
        "SGD" if momentum => 1.0,
        "LBFGS" => 20.0,
        _ => 0.0,
    };
    if state_per > 0.0 {
        let st = it.new_array(
            vec![count.scale(state_per)],
            DType::Float32,
            Lib::Torch,
            Origin::Plain,
        );
        set(&obj, "state", st);
    }
    let _ = it;
    Some(obj)
}

fn optimizer_op(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    match ca.short() {
        "step" if ca.name.starts_with("torch.optim.Optimizer") => {
            let obj = ca.recv.clone()?;
            let count = geti(&obj, "count").unwrap_or_else(Sym::zero);
            let kind = get(&obj, "kind")
                .and_then(|k| k.as_text().map(str::to_string))
                .unwrap_or_default();
            let per = match kind.as_str() {
                "Adam" | "AdamW" | "Adadelta" | "Adamax" | "NAdam" | "RAdam" => 12.0,
                "RMSprop" | "Adagrad" => 6.0,
                _ => 3.0,
            };
            let bytes = count.scale(4.0 * per / 2.0);
            let n = it.num(&count);
            it.emit(draft(
                C::Nn,
                &format!("torch.optim.{kind}.step"),
                count.scale(per),
                bytes,
                Sym::zero(),
                Some(DType::Float32),
                P::Serial,
                &["avx2"],
                format!("{}, updates {} parameters -> nn", ca.text, fmt_flops(n, "")),
            ));
            Some(Value::None)
        }
        "StepLR" | "CosineAnnealingLR" | "ExponentialLR" => {
            Some(Value::new_obj("torch.optim.Scheduler"))
        }
        _ => Some(Value::None),
    }
}

fn tensor_dataset(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let obj = Value::new_obj("torch.utils.data.TensorDataset");
    set(&obj, "__tensors__", Value::tuple(ca.pos.clone()));
    if let Some(Value::Array(a)) = ca.pos.first() {
        set(
            &obj,
            "__len__",
            Value::Int(a.shape.first().cloned().unwrap_or_else(Sym::one)),
        );
    }
    Some(obj)
}

fn dataloader(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let ds = ca.arg(0, "dataset")?.clone();
    let bs = ca
        .arg(1, "batch_size")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(Sym::one);
    let n = match &ds {
        Value::Obj { .. } => geti(&ds, "__len__"),
        other => other.len(),
    };
    let n = n.unwrap_or_else(|| it.unknown_int("the dataset length"));
    let batches = n.add(&bs).sub(&Sym::one()).floordiv(&bs);
    let batch = match get(&ds, "__tensors__") {
        Some(Value::Seq {
            items: SeqItems::Known(ts),
            ..
        }) => Value::tuple(
            ts.iter()
                .map(|t| match t {
                    Value::Array(a) => {
                        let mut s = a.shape.clone();
                        if let Some(f) = s.first_mut() {
                            *f = bs.clone();
                        }
                        it.new_array(s, a.dtype, Lib::Torch, Origin::Plain)
                    }
                    _ => Value::Unknown,
                })
                .collect(),
        ),
        _ => Value::Unknown,
    };
    let obj = Value::new_obj("torch.utils.data.DataLoader");
    set(&obj, "__len__", Value::Int(batches));
    set(&obj, "__batch__", batch);
    Some(obj)
}
