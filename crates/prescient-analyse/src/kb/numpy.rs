//! numpy semantics: creation, views and copies, ufuncs with broadcasting,
//! reductions, matmul/dot/einsum/tensordot, linalg, fft, convolution, sorting,
//! joining, and byte/file I/O. Torch tensor operations with the same meaning reuse
//! these rules (see `kb::lookup`).

use super::{draft, dtype_of, e, shape_of, CallArgs, Entry, Out, Resolved, Rule, ShapeArg};
use crate::arrays::{broadcast, promote, seq_shape};
use crate::fmt::{fmt_bytes, fmt_flops};
use crate::host::{Draft, Host};
use crate::value::*;
use prescient_model::{Category as C, Parallelism as P, Sym};
use std::rc::Rc;

use Rule::{Create, Custom, Map, Reduce};

pub const ENTRIES: &[Entry] = &[
    // Creation.
    e(
        &["numpy.zeros", "torch.zeros"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(0, "shape"),
            dtype: DType::Float64,
            flops: 0.0,
        },
    ),
    e(
        &["numpy.ones", "torch.ones"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(0, "shape"),
            dtype: DType::Float64,
            flops: 0.0,
        },
    ),
    e(
        &["numpy.empty", "torch.empty"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(0, "shape"),
            dtype: DType::Float64,
            flops: 0.0,
        },
    ),
    e(
        &["numpy.full", "torch.full"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(0, "shape"),
            dtype: DType::Float64,
            flops: 0.0,
        },
    ),
    e(
        &["numpy.random.rand", "torch.rand"],
        C::Memory,
        Create {
            shape: ShapeArg::Varargs,
            dtype: DType::Float64,
            flops: 4.0,
        },
    ),
    e(
        &["numpy.random.randn", "torch.randn"],
        C::Memory,
        Create {
            shape: ShapeArg::Varargs,
            dtype: DType::Float64,
            flops: 12.0,
        },
    ),
    e(
        &[
            "numpy.random.random",
            "numpy.random.random_sample",
            "numpy.random.ranf",
            "numpy.random.sample",
        ],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(0, "size"),
            dtype: DType::Float64,
            flops: 4.0,
        },
    ),
    e(
        &[
            "numpy.random.standard_normal",
            "numpy.random.Generator.standard_normal",
        ],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(0, "size"),
            dtype: DType::Float64,
            flops: 12.0,
        },
    ),
    e(
        &["numpy.random.Generator.random"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(0, "size"),
            dtype: DType::Float64,
            flops: 4.0,
        },
    ),
    e(
        &["numpy.random.uniform", "numpy.random.Generator.uniform"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(2, "size"),
            dtype: DType::Float64,
            flops: 5.0,
        },
    ),
    e(
        &["numpy.random.normal", "numpy.random.Generator.normal"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(2, "size"),
            dtype: DType::Float64,
            flops: 14.0,
        },
    ),
    e(
        &["numpy.random.randint", "numpy.random.Generator.integers"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(2, "size"),
            dtype: DType::Int64,
            flops: 6.0,
        },
    ),
    e(&["torch.randint"], C::Memory, Custom(torch_randint)),
    e(
        &[
            "numpy.random.exponential",
            "numpy.random.Generator.exponential",
        ],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(1, "size"),
            dtype: DType::Float64,
            flops: 20.0,
        },
    ),
    e(
        &["numpy.random.poisson", "numpy.random.Generator.poisson"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(1, "size"),
            dtype: DType::Int64,
            flops: 30.0,
        },
    ),
    e(
        &["numpy.random.binomial", "numpy.random.Generator.binomial"],
        C::Memory,
        Create {
            shape: ShapeArg::Arg(2, "size"),
            dtype: DType::Int64,
            flops: 30.0,
        },
    ),
    e(
        &["numpy.random.choice", "numpy.random.Generator.choice"],
        C::Memory,
        Custom(choice),
    ),
    e(
        &[
            "numpy.random.permutation",
            "numpy.random.Generator.permutation",
            "torch.randperm",
        ],
        C::Memory,
        Custom(permutation),
    ),
    e(
        &["numpy.random.shuffle", "numpy.random.Generator.shuffle"],
        C::Memory,
        Custom(shuffle),
    ),
    e(
        &[
            "numpy.random.seed",
            "torch.manual_seed",
            "numpy.random.Generator.bit_generator",
            "numpy.seterr",
            "numpy.set_printoptions",
            "torch.set_num_threads",
            "torch.set_grad_enabled",
            "torch.use_deterministic_algorithms",
            "numpy.random.set_state",
            "numpy.random.get_state",
        ],
        C::Other,
        Custom(returns_none),
    ),
    e(
        &[
            "numpy.random.default_rng",
            "numpy.random.RandomState",
            "numpy.random.Generator",
            "numpy.random.PCG64",
        ],
        C::Other,
        Custom(make_rng),
    ),
    e(
        &[
            "numpy.zeros_like",
            "torch.zeros_like",
            "numpy.ones_like",
            "torch.ones_like",
            "numpy.empty_like",
            "torch.empty_like",
            "numpy.full_like",
            "torch.full_like",
            "torch.rand_like",
            "torch.randn_like",
        ],
        C::Memory,
        Custom(like),
    ),
    e(
        &[
            "numpy.array",
            "numpy.asarray",
            "numpy.asanyarray",
            "numpy.ascontiguousarray",
            "numpy.asfortranarray",
            "torch.tensor",
            "torch.as_tensor",
            "torch.from_numpy",
            "numpy.copy",
            "ndarray.copy",
            "Tensor.clone",
            "Tensor.contiguous",
            "Tensor.detach",
            "Tensor.numpy",
            "Tensor.cpu",
            "Tensor.to",
            "Tensor.cuda",
            "Tensor.float",
            "Tensor.double",
            "Tensor.half",
            "Tensor.long",
            "Tensor.int",
            "Tensor.bool",
            "ndarray.astype",
            "Tensor.type",
            "numpy.asmatrix",
            "ndarray.tolist",
            "Tensor.tolist",
            "Tensor.item",
            "ndarray.item",
            "Tensor.requires_grad_",
            "numpy.require",
        ],
        C::Memory,
        Custom(array),
    ),
    e(&["numpy.arange", "torch.arange"], C::Memory, Custom(arange)),
    e(
        &[
            "numpy.linspace",
            "torch.linspace",
            "numpy.logspace",
            "torch.logspace",
            "numpy.geomspace",
        ],
        C::Memory,
        Custom(linspace),
    ),
    e(
        &["numpy.eye", "numpy.identity", "torch.eye"],
        C::Memory,
        Custom(eye),
    ),
    e(&["numpy.fromfunction"], C::Memory, Custom(fromfunction)),
    e(
        &["numpy.meshgrid", "torch.meshgrid"],
        C::Memory,
        Custom(meshgrid),
    ),
    e(&["numpy.indices"], C::Memory, Custom(indices)),
    e(
        &[
            "numpy.tile",
            "numpy.repeat",
            "ndarray.repeat",
            "Tensor.repeat",
            "torch.repeat_interleave",
        ],
        C::Memory,
        Custom(tile),
    ),
    e(
        &["numpy.pad", "torch.nn.functional.pad"],
        C::Memory,
        Custom(pad),
    ),
    e(
        &["numpy.tri", "numpy.diag", "numpy.diagflat", "torch.diag"],
        C::Memory,
        Custom(diag),
    ),
    e(
        &[
            "numpy.triu",
            "numpy.tril",
            "torch.triu",
            "torch.tril",
            "numpy.roll",
            "torch.roll",
            "numpy.nan_to_num",
        ],
        C::Memory,
        Custom(copy_same),
    ),
    // Views.
    e(
        &[
            "ndarray.reshape",
            "numpy.reshape",
            "Tensor.reshape",
            "Tensor.view",
            "torch.reshape",
            "ndarray.view",
        ],
        C::Memory,
        Custom(reshape),
    ),
    e(
        &[
            "ndarray.transpose",
            "numpy.transpose",
            "Tensor.permute",
            "torch.permute",
            "Tensor.transpose",
            "torch.transpose",
            "Tensor.t",
            "numpy.swapaxes",
            "ndarray.swapaxes",
            "numpy.moveaxis",
            "numpy.rollaxis",
        ],
        C::Memory,
        Custom(transpose),
    ),
    e(
        &[
            "ndarray.ravel",
            "numpy.ravel",
            "ndarray.flatten",
            "Tensor.flatten",
            "torch.flatten",
            "numpy.squeeze",
            "ndarray.squeeze",
            "Tensor.squeeze",
            "torch.squeeze",
            "numpy.expand_dims",
            "Tensor.unsqueeze",
            "torch.unsqueeze",
            "numpy.atleast_1d",
            "numpy.atleast_2d",
            "numpy.flip",
            "numpy.fliplr",
            "numpy.flipud",
            "torch.flip",
            "numpy.broadcast_to",
            "Tensor.expand",
            "Tensor.expand_as",
            "numpy.lib.stride_tricks.as_strided",
            "numpy.lib.stride_tricks.sliding_window_view",
            "numpy.lib.stride_tricks.broadcast_to",
            "Tensor.unfold",
            "ndarray.conj",
            "numpy.conj",
            "numpy.real",
            "numpy.imag",
            "numpy.asarray_chkfinite",
        ],
        C::Memory,
        Custom(view_ops),
    ),
    // Unary ufuncs: flops per element weigh their relative cost.
    e(
        &[
            "numpy.exp",
            "torch.exp",
            "Tensor.exp",
            "numpy.exp2",
            "numpy.expm1",
            "torch.expm1",
        ],
        C::Elementwise,
        Map {
            flops: 20.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.log",
            "torch.log",
            "Tensor.log",
            "numpy.log2",
            "numpy.log10",
            "numpy.log1p",
            "torch.log1p",
            "torch.log2",
            "torch.log10",
        ],
        C::Elementwise,
        Map {
            flops: 20.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.sqrt",
            "torch.sqrt",
            "Tensor.sqrt",
            "numpy.cbrt",
            "torch.rsqrt",
            "numpy.reciprocal",
            "torch.reciprocal",
        ],
        C::Elementwise,
        Map {
            flops: 4.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.sin",
            "numpy.cos",
            "numpy.tan",
            "numpy.arcsin",
            "numpy.arccos",
            "numpy.arctan",
            "numpy.sinh",
            "numpy.cosh",
            "numpy.arcsinh",
            "numpy.arccosh",
            "numpy.arctanh",
            "torch.sin",
            "torch.cos",
            "torch.tan",
            "torch.atan",
            "numpy.sinc",
            "numpy.deg2rad",
            "numpy.rad2deg",
            "numpy.radians",
            "numpy.degrees",
            "numpy.angle",
        ],
        C::Elementwise,
        Map {
            flops: 20.0,
            out: Out::Float,
        },
    ),
    e(
        &["numpy.tanh", "torch.tanh", "Tensor.tanh"],
        C::Nn,
        Map {
            flops: 20.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "scipy.special.expit",
            "torch.sigmoid",
            "Tensor.sigmoid",
            "torch.special.expit",
        ],
        C::Nn,
        Map {
            flops: 24.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "scipy.special.erf",
            "torch.erf",
            "scipy.special.erfc",
            "scipy.special.gamma",
            "scipy.special.gammaln",
            "scipy.special.logit",
            "scipy.special.xlogy",
            "scipy.special.i0",
            "numpy.i0",
        ],
        C::Elementwise,
        Map {
            flops: 30.0,
            out: Out::Float,
        },
    ),
    e(
        &["scipy.special.softmax", "scipy.special.log_softmax"],
        C::Nn,
        Custom(special_softmax),
    ),
    e(
        &["scipy.special.logsumexp"],
        C::Reduction,
        Reduce {
            flops: 22.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.abs",
            "numpy.absolute",
            "numpy.fabs",
            "torch.abs",
            "Tensor.abs",
        ],
        C::Elementwise,
        Map {
            flops: 1.0,
            out: Out::Real,
        },
    ),
    e(
        &[
            "numpy.square",
            "torch.square",
            "numpy.negative",
            "numpy.positive",
            "numpy.sign",
            "torch.sign",
            "numpy.floor",
            "numpy.ceil",
            "numpy.round",
            "numpy.around",
            "numpy.rint",
            "numpy.trunc",
            "numpy.fix",
            "torch.floor",
            "torch.ceil",
            "torch.round",
            "ndarray.round",
            "numpy.conjugate",
            "numpy.invert",
            "numpy.bitwise_not",
            "numpy.spacing",
        ],
        C::Elementwise,
        Map {
            flops: 1.0,
            out: Out::Same,
        },
    ),
    e(
        &[
            "numpy.isnan",
            "numpy.isinf",
            "numpy.isfinite",
            "numpy.logical_not",
            "torch.isnan",
            "torch.isfinite",
            "numpy.signbit",
            "numpy.iscomplex",
            "numpy.isreal",
        ],
        C::Elementwise,
        Map {
            flops: 1.0,
            out: Out::Bool,
        },
    ),
    // Binary ufuncs.
    e(
        &[
            "numpy.add",
            "numpy.subtract",
            "numpy.multiply",
            "torch.add",
            "torch.sub",
            "torch.mul",
            "Tensor.add",
            "Tensor.sub",
            "Tensor.mul",
            "Tensor.add_",
            "Tensor.mul_",
            "Tensor.sub_",
            "numpy.maximum",
            "numpy.minimum",
            "numpy.fmax",
            "numpy.fmin",
            "torch.maximum",
            "torch.minimum",
            "numpy.copysign",
            "numpy.heaviside",
            "numpy.bitwise_and",
            "numpy.bitwise_or",
            "numpy.bitwise_xor",
            "numpy.left_shift",
            "numpy.right_shift",
            "numpy.logaddexp",
            "torch.lerp",
            "torch.addcmul",
        ],
        C::Elementwise,
        Map {
            flops: 1.0,
            out: Out::Same,
        },
    ),
    e(
        &[
            "numpy.divide",
            "numpy.true_divide",
            "torch.div",
            "Tensor.div",
            "torch.true_divide",
            "numpy.floor_divide",
            "numpy.mod",
            "numpy.remainder",
            "numpy.fmod",
            "numpy.hypot",
            "numpy.divmod",
        ],
        C::Elementwise,
        Map {
            flops: 4.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.power",
            "numpy.float_power",
            "torch.pow",
            "Tensor.pow",
            "numpy.arctan2",
            "torch.atan2",
        ],
        C::Elementwise,
        Map {
            flops: 40.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.greater",
            "numpy.less",
            "numpy.equal",
            "numpy.not_equal",
            "numpy.greater_equal",
            "numpy.less_equal",
            "numpy.logical_and",
            "numpy.logical_or",
            "numpy.logical_xor",
            "numpy.isclose",
            "torch.isclose",
            "torch.eq",
            "torch.gt",
            "torch.lt",
        ],
        C::Elementwise,
        Map {
            flops: 1.0,
            out: Out::Bool,
        },
    ),
    e(
        &["numpy.where", "torch.where"],
        C::Elementwise,
        Custom(where_),
    ),
    e(
        &[
            "numpy.clip",
            "ndarray.clip",
            "torch.clamp",
            "Tensor.clamp",
            "torch.clip",
            "Tensor.clip",
            "Tensor.clamp_",
        ],
        C::Elementwise,
        Custom(clip),
    ),
    // Reductions.
    e(
        &[
            "numpy.sum",
            "ndarray.sum",
            "torch.sum",
            "numpy.nansum",
            "numpy.add.reduce",
            "numpy.prod",
            "ndarray.prod",
            "torch.prod",
            "numpy.trace",
            "ndarray.trace",
            "numpy.count_nonzero",
            "numpy.average",
        ],
        C::Reduction,
        Reduce {
            flops: 1.0,
            out: Out::Same,
        },
    ),
    e(
        &["numpy.mean", "ndarray.mean", "torch.mean", "numpy.nanmean"],
        C::Reduction,
        Reduce {
            flops: 1.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.std",
            "ndarray.std",
            "torch.std",
            "numpy.var",
            "ndarray.var",
            "torch.var",
            "numpy.nanstd",
            "numpy.nanvar",
        ],
        C::Reduction,
        Reduce {
            flops: 4.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.max",
            "numpy.amax",
            "ndarray.max",
            "torch.max",
            "numpy.min",
            "numpy.amin",
            "ndarray.min",
            "torch.min",
            "numpy.nanmax",
            "numpy.nanmin",
            "numpy.ptp",
            "torch.amax",
            "torch.amin",
            "numpy.maximum.reduce",
        ],
        C::Reduction,
        Reduce {
            flops: 1.0,
            out: Out::Same,
        },
    ),
    e(
        &[
            "numpy.argmax",
            "numpy.argmin",
            "ndarray.argmax",
            "ndarray.argmin",
            "torch.argmax",
            "torch.argmin",
        ],
        C::Reduction,
        Reduce {
            flops: 1.0,
            out: Out::Int,
        },
    ),
    e(
        &[
            "numpy.any",
            "numpy.all",
            "ndarray.any",
            "ndarray.all",
            "torch.any",
            "torch.all",
            "numpy.allclose",
            "numpy.array_equal",
            "torch.allclose",
            "torch.equal",
        ],
        C::Reduction,
        Reduce {
            flops: 1.0,
            out: Out::Bool,
        },
    ),
    e(
        &[
            "numpy.linalg.norm",
            "torch.norm",
            "Tensor.norm",
            "scipy.linalg.norm",
        ],
        C::Reduction,
        Reduce {
            flops: 2.0,
            out: Out::Real,
        },
    ),
    e(
        &[
            "numpy.median",
            "numpy.percentile",
            "numpy.quantile",
            "numpy.nanmedian",
            "numpy.nanpercentile",
            "torch.median",
            "torch.quantile",
        ],
        C::Sort,
        Reduce {
            flops: 12.0,
            out: Out::Float,
        },
    ),
    e(
        &[
            "numpy.cumsum",
            "ndarray.cumsum",
            "torch.cumsum",
            "numpy.cumprod",
            "ndarray.cumprod",
            "torch.cumprod",
            "numpy.nancumsum",
        ],
        C::Reduction,
        Custom(scan),
    ),
    e(
        &["numpy.diff", "numpy.gradient", "numpy.ediff1d"],
        C::Elementwise,
        Custom(diff),
    ),
    // Linear algebra.
    e(
        &[
            "numpy.matmul",
            "numpy.dot",
            "ndarray.dot",
            "torch.matmul",
            "torch.mm",
            "torch.bmm",
            "Tensor.matmul",
            "Tensor.mm",
            "torch.mv",
            "numpy.vdot",
            "numpy.inner",
            "torch.dot",
            "torch.inner",
            "numpy.linalg.matmul",
        ],
        C::Matmul,
        Custom(matmul_call),
    ),
    e(
        &["numpy.outer", "torch.outer", "torch.ger"],
        C::Matmul,
        Custom(outer),
    ),
    e(&["numpy.kron", "torch.kron"], C::Matmul, Custom(kron)),
    e(&["numpy.einsum", "torch.einsum"], C::Matmul, Custom(einsum)),
    e(
        &["numpy.tensordot", "torch.tensordot"],
        C::Matmul,
        Custom(tensordot),
    ),
    e(&["numpy.linalg.multi_dot"], C::Matmul, Custom(multi_dot)),
    e(
        &["numpy.linalg.matrix_power"],
        C::Matmul,
        Custom(matrix_power),
    ),
    e(
        &[
            "numpy.linalg.solve",
            "scipy.linalg.solve",
            "torch.linalg.solve",
            "scipy.linalg.cho_solve",
            "scipy.linalg.lu_solve",
            "scipy.linalg.solve_triangular",
            "numpy.linalg.inv",
            "scipy.linalg.inv",
            "torch.inverse",
            "numpy.linalg.pinv",
            "numpy.linalg.det",
            "numpy.linalg.slogdet",
            "numpy.linalg.cholesky",
            "scipy.linalg.cholesky",
            "scipy.linalg.cho_factor",
            "numpy.linalg.qr",
            "scipy.linalg.qr",
            "numpy.linalg.svd",
            "scipy.linalg.svd",
            "torch.svd",
            "numpy.linalg.eig",
            "scipy.linalg.eig",
            "numpy.linalg.eigh",
            "scipy.linalg.eigh",
            "numpy.linalg.eigvals",
            "numpy.linalg.eigvalsh",
            "scipy.linalg.eigvals",
            "scipy.linalg.eigvalsh",
            "numpy.linalg.lstsq",
            "scipy.linalg.lstsq",
            "numpy.linalg.matrix_rank",
            "numpy.linalg.cond",
            "scipy.linalg.lu",
            "scipy.linalg.lu_factor",
            "scipy.linalg.expm",
            "numpy.linalg.svdvals",
            "scipy.linalg.svdvals",
        ],
        C::Matmul,
        Custom(linalg),
    ),
    // FFT.
    e(
        &[
            "numpy.fft.fft",
            "numpy.fft.ifft",
            "numpy.fft.rfft",
            "numpy.fft.irfft",
            "numpy.fft.fft2",
            "numpy.fft.ifft2",
            "numpy.fft.rfft2",
            "numpy.fft.irfft2",
            "numpy.fft.fftn",
            "numpy.fft.ifftn",
            "numpy.fft.rfftn",
            "numpy.fft.irfftn",
            "numpy.fft.hfft",
            "numpy.fft.ihfft",
        ],
        C::Signal,
        Custom(fft),
    ),
    e(
        &["numpy.fft.fftfreq", "numpy.fft.rfftfreq"],
        C::Memory,
        Custom(fftfreq),
    ),
    e(
        &[
            "numpy.hanning",
            "numpy.hamming",
            "numpy.blackman",
            "numpy.bartlett",
            "numpy.kaiser",
        ],
        C::Signal,
        Custom(window),
    ),
    e(
        &["numpy.fft.fftshift", "numpy.fft.ifftshift"],
        C::Memory,
        Custom(copy_same),
    ),
    e(
        &["numpy.convolve", "numpy.correlate"],
        C::Signal,
        Custom(convolve1d),
    ),
    // Sorting and searching.
    e(
        &[
            "numpy.sort",
            "ndarray.sort",
            "torch.sort",
            "Tensor.sort",
            "numpy.argsort",
            "ndarray.argsort",
            "torch.argsort",
            "numpy.partition",
            "numpy.argpartition",
            "numpy.lexsort",
            "numpy.msort",
            "numpy.sort_complex",
        ],
        C::Sort,
        Custom(sort),
    ),
    e(&["numpy.unique", "torch.unique"], C::Sort, Custom(unique)),
    e(
        &["numpy.searchsorted", "torch.searchsorted", "numpy.digitize"],
        C::Sort,
        Custom(searchsorted),
    ),
    e(&["torch.topk", "Tensor.topk"], C::Sort, Custom(sort)),
    e(
        &[
            "numpy.nonzero",
            "numpy.flatnonzero",
            "numpy.argwhere",
            "ndarray.nonzero",
            "torch.nonzero",
        ],
        C::Reduction,
        Custom(nonzero),
    ),
    e(
        &[
            "numpy.bincount",
            "numpy.histogram",
            "torch.histc",
            "torch.bincount",
        ],
        C::Reduction,
        Custom(histogram),
    ),
    // Joining and splitting.
    e(
        &[
            "numpy.concatenate",
            "numpy.stack",
            "numpy.vstack",
            "numpy.hstack",
            "numpy.column_stack",
            "numpy.dstack",
            "numpy.row_stack",
            "torch.cat",
            "torch.stack",
            "torch.concatenate",
            "torch.vstack",
            "torch.hstack",
            "numpy.append",
            "numpy.block",
        ],
        C::Memory,
        Custom(concatenate),
    ),
    e(
        &[
            "numpy.split",
            "numpy.array_split",
            "numpy.hsplit",
            "numpy.vsplit",
            "torch.split",
            "torch.chunk",
            "Tensor.split",
            "Tensor.chunk",
        ],
        C::Memory,
        Custom(split),
    ),
    // Bytes and files.
    e(
        &["ndarray.tobytes", "ndarray.tostring"],
        C::Memory,
        Custom(tobytes),
    ),
    e(&["numpy.frombuffer"], C::Memory, Custom(frombuffer)),
    e(
        &[
            "ndarray.tofile",
            "numpy.save",
            "numpy.savez",
            "numpy.savez_compressed",
            "numpy.savetxt",
            "torch.save",
        ],
        C::Io,
        Custom(save),
    ),
    e(
        &[
            "numpy.fromfile",
            "numpy.load",
            "numpy.loadtxt",
            "numpy.genfromtxt",
            "torch.load",
            "numpy.memmap",
        ],
        C::Io,
        Custom(load),
    ),
    e(
        &[
            "ndarray.fill",
            "Tensor.fill_",
            "Tensor.zero_",
            "Tensor.normal_",
            "Tensor.uniform_",
            "numpy.copyto",
            "numpy.put",
            "numpy.place",
            "ndarray.setflags",
            "numpy.fill_diagonal",
        ],
        C::Memory,
        Custom(fill),
    ),
    e(
        &[
            "numpy.shape",
            "numpy.ndim",
            "numpy.size",
            "Tensor.size",
            "Tensor.dim",
            "Tensor.numel",
            "numpy.result_type",
            "numpy.dtype",
            "numpy.finfo",
            "numpy.iinfo",
            "numpy.isscalar",
            "numpy.iscomplexobj",
            "numpy.issubdtype",
            "Tensor.backward_hook",
            "numpy.errstate",
            "Tensor.retain_grad",
            "numpy.printoptions",
            "numpy.may_share_memory",
            "numpy.shares_memory",
            "numpy.get_include",
            "numpy.show_config",
            "Tensor.element_size",
            "Tensor.stride",
            "Tensor.is_contiguous",
            "Tensor.dtype",
            "Tensor.device",
            "torch.device",
            "torch.is_tensor",
            "torch.cuda.is_available",
            "torch.get_num_threads",
            "torch.no_grad",
            "torch.inference_mode",
            "torch.enable_grad",
        ],
        C::Other,
        Custom(meta),
    ),
    e(
        &["numpy.vectorize", "numpy.frompyfunc"],
        C::Python,
        Custom(vectorize),
    ),
    e(
        &["numpy.vectorized.__call__"],
        C::Python,
        Custom(vectorized_call),
    ),
    e(
        &["numpy.apply_along_axis"],
        C::Python,
        Custom(apply_along_axis),
    ),
    e(
        &[
            "numpy.take",
            "ndarray.take",
            "numpy.take_along_axis",
            "torch.gather",
            "torch.index_select",
            "Tensor.gather",
            "torch.take_along_dim",
        ],
        C::Memory,
        Custom(take),
    ),
    e(
        &["numpy.diagonal", "ndarray.diagonal", "torch.diagonal"],
        C::Memory,
        Custom(diagonal),
    ),
    e(
        &[
            "numpy.trapz",
            "numpy.trapezoid",
            "scipy.integrate.trapezoid",
            "scipy.integrate.simpson",
            "numpy.polyval",
            "numpy.interp",
            "numpy.cross",
            "numpy.isin",
            "numpy.in1d",
            "numpy.select",
            "numpy.piecewise",
        ],
        C::Elementwise,
        Custom(misc_elementwise),
    ),
    e(&["numpy.polyfit"], C::Matmul, Custom(polyfit)),
    e(
        &[
            "numpy.setdiff1d",
            "numpy.union1d",
            "numpy.intersect1d",
            "numpy.setxor1d",
        ],
        C::Sort,
        Custom(set_ops),
    ),
    e(
        &[
            "numpy.random.Generator.gamma",
            "numpy.random.Generator.beta",
            "numpy.random.Generator.lognormal",
            "numpy.random.Generator.laplace",
            "numpy.random.Generator.logistic",
            "numpy.random.Generator.gumbel",
            "numpy.random.Generator.standard_exponential",
            "numpy.random.Generator.standard_gamma",
            "numpy.random.gamma",
            "numpy.random.beta",
            "numpy.random.lognormal",
            "numpy.random.laplace",
            "numpy.random.standard_exponential",
        ],
        C::Memory,
        Custom(random_dist),
    ),
    e(&["scipy.io.wavfile.read"], C::Io, Custom(wav_read)),
    e(&["scipy.io.wavfile.write"], C::Io, Custom(save)),
];

// ---------- shared helpers ----------

/// The kernel of an elementwise operation over `inputs` producing `shape`.
pub(crate) fn elementwise_draft(
    inputs: &[&ArrayVal],
    shape: &[Sym],
    dtype: DType,
    flops: f64,
    pattern: &str,
    text: &str,
) -> Draft {
    let n = Sym::product(shape.iter().cloned());
    let out_bytes = n.scale(dtype.itemsize());
    let read = Sym::sum(inputs.iter().map(|a| a.nbytes()));
    let cat = if pattern.ends_with("tanh")
        || pattern.ends_with("sigmoid")
        || pattern.ends_with("expit")
    {
        C::Nn
    } else {
        C::Elementwise
    };
    let fl = n.scale(flops);
    draft(
        cat,
        pattern,
        fl,
        read.add(&out_bytes),
        out_bytes.clone(),
        Some(dtype),
        P::Serial,
        if dtype.is_float() { &["avx2"] } else { &[] },
        format!(
            "{text}, {} {} -> {}",
            shape_str(shape),
            dtype.name(),
            cat.as_str()
        ),
    )
}

fn arr(v: Option<&Value>) -> Option<Rc<ArrayVal>> {
    match v {
        Some(Value::Array(a)) => Some(a.clone()),
        _ => None,
    }
}

/// The argument as an array: arrays as they are, lists and scalars converted.
fn as_arr(v: Option<&Value>) -> Option<ArrayVal> {
    match v? {
        Value::Array(a) => Some((**a).clone()),
        Value::Unknown | Value::None => None,
        other => Some(crate::arrays::array_like(other)),
    }
}

fn emit_alloc(it: &mut dyn Host, ca: &CallArgs, r: &Resolved, out: &Value, flops_per: f64) {
    if let Value::Array(a) = out {
        let bytes = a.nbytes();
        let n = a.size();
        let b = it.num(&bytes);
        it.emit(draft(
            r.category,
            &r.pattern,
            n.scale(flops_per),
            bytes.clone(),
            bytes,
            Some(a.dtype),
            P::Serial,
            &[],
            format!(
                "{}, {} {} -> {}, allocates {}",
                ca.text,
                shape_str(&a.shape),
                a.dtype.name(),
                r.category.as_str(),
                fmt_bytes(b)
            ),
        ));
    }
}

fn out_dtype(out: Out, input: DType) -> DType {
    match out {
        Out::Same => input,
        Out::Float => {
            if input.is_float() || input.is_complex() {
                input
            } else {
                DType::Float64
            }
        }
        Out::Bool => DType::Bool,
        Out::Int => DType::Int64,
        Out::Real => input.to_real(),
        Out::Complex => input.to_complex(),
    }
}

fn scalar_of(d: DType) -> Value {
    if d.is_float() {
        Value::Float(None)
    } else if d.is_complex() {
        Value::Complex
    } else if d == DType::Bool {
        Value::Bool(None)
    } else {
        Value::Int(Sym::var("elem"))
    }
}

// ---------- generic rules ----------

pub(crate) fn map_rule(
    it: &mut dyn Host,
    ca: &CallArgs,
    r: &Resolved,
    flops: f64,
    out: Out,
) -> Option<Value> {
    let mut vals: Vec<&Value> = Vec::new();
    if let Some(rv) = &ca.recv {
        vals.push(rv);
    }
    vals.extend(ca.pos.iter());
    let arrays: Vec<ArrayVal> = vals
        .iter()
        .filter(|v| matches!(v, Value::Array(_) | Value::Seq { .. }))
        .map(|v| crate::arrays::array_like(v))
        .collect();
    if arrays.is_empty() {
        // Scalar math through numpy (np.exp(1.0)): no array work.
        if vals.iter().all(|v| v.is_numeric_scalar()) {
            it.ops(|o, m| o.float_arith += m * flops.min(20.0));
            return Some(Value::Float(None));
        }
        return None;
    }
    let mut shape: Vec<Sym> = vec![];
    for a in &arrays {
        shape = broadcast(&shape, &a.shape);
    }
    let dtype = crate::arrays::operands_dtype(&vals).unwrap_or(arrays[0].dtype);
    let dtype = out_dtype(out, dtype);
    let refs: Vec<&ArrayVal> = arrays.iter().collect();
    let mut d = elementwise_draft(&refs, &shape, dtype, flops, &r.pattern, &ca.text);
    if r.category == C::Nn {
        d.category = C::Nn;
    }
    let in_place = ca.name.ends_with('_') || ca.kwarg("out").is_some();
    if in_place {
        d.alloc = Sym::zero();
    }
    it.emit(d);
    let inputs: Vec<&Value> = vals.clone();
    it.autograd(&inputs, flops, &shape, dtype);
    let lib = if arrays.iter().any(|a| a.lib == Lib::Torch) || ca.lib() == Lib::Torch {
        Lib::Torch
    } else {
        Lib::Numpy
    };
    let rg = arrays.iter().any(|a| a.requires_grad);
    let origin = if r.pattern.ends_with(".exp") {
        Origin::Exp(arrays[0].id)
    } else {
        Origin::Plain
    };
    let v = it.new_array(shape, dtype, lib, origin);
    Some(crate::arrays::with_grad(v, rg))
}

/// Normalises an axis argument against `ndim`.
fn axes_of(v: Option<&Value>, ndim: usize) -> Option<Vec<usize>> {
    let norm = |x: i64| -> usize {
        if x < 0 {
            (ndim as i64 + x).max(0) as usize
        } else {
            (x as usize).min(ndim.saturating_sub(1))
        }
    };
    match v {
        None | Some(Value::None) => None,
        Some(Value::Int(s)) => Some(vec![norm(s.as_int().unwrap_or(0))]),
        Some(Value::Seq {
            items: SeqItems::Known(v),
            ..
        }) => Some(
            v.iter()
                .filter_map(|x| x.as_sym().and_then(|s| s.as_int()))
                .map(norm)
                .collect(),
        ),
        _ => Some(vec![ndim.saturating_sub(1)]),
    }
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(Some(true))))
}

pub(crate) fn reduce_rule(
    it: &mut dyn Host,
    ca: &CallArgs,
    r: &Resolved,
    flops: f64,
    out: Out,
) -> Option<Value> {
    let subject = ca.subject()?;
    let a = match subject {
        Value::Array(a) => (**a).clone(),
        Value::Seq { .. } => crate::arrays::array_like(subject),
        _ => {
            if subject.is_numeric_scalar() {
                return Some(subject.clone());
            }
            return None;
        }
    };
    let axis_kw = if ca.name.starts_with("torch") || ca.name.starts_with("Tensor") {
        "dim"
    } else {
        "axis"
    };
    let axis_v = ca.kwarg(axis_kw).or(ca.kwarg("axis")).or_else(|| {
        // Positional axis: second argument of the function form, first of the method.
        if ca.name.contains("norm")
            || ca.name.contains("percentile")
            || ca.name.contains("quantile")
        {
            None
        } else {
            ca.after_subject(0, "__axis")
        }
    });
    let keep = is_true(ca.kwarg("keepdims")) || is_true(ca.kwarg("keepdim"));
    let axes = axes_of(axis_v, a.ndim());
    let mut shape = Vec::new();
    for (i, d) in a.shape.iter().enumerate() {
        let reduced = axes.as_ref().is_none_or(|ax| ax.contains(&i));
        if !reduced {
            shape.push(d.clone());
        } else if keep {
            shape.push(Sym::one());
        }
    }
    let dtype = out_dtype(out, a.dtype);
    let n = a.size();
    let out_bytes = Sym::product(shape.iter().cloned()).scale(dtype.itemsize());
    let flops_total = if ca.name.contains("median")
        || ca.name.contains("percentile")
        || ca.name.contains("quantile")
    {
        n.mul(&n.log2()).scale(1.5)
    } else {
        n.scale(flops)
    };
    it.emit(draft(
        r.category,
        &r.pattern,
        flops_total,
        a.nbytes().add(&out_bytes),
        out_bytes,
        Some(dtype),
        P::Serial,
        &[],
        format!(
            "{}, {} {} -> {}",
            ca.text,
            shape_str(&a.shape),
            a.dtype.name(),
            r.category.as_str()
        ),
    ));
    it.autograd(&[subject], flops, &a.shape, dtype);
    let lib = a.lib;
    if shape.is_empty() && lib == Lib::Numpy {
        return Some(scalar_of(dtype));
    }
    let short = ca.short();
    let origin = match short {
        "sum" | "max" | "amax" | "mean" | "var" | "std" | "logsumexp" => {
            let src = match a.origin {
                Origin::Exp(_) => a.id,
                _ => a.id,
            };
            Origin::Reduce(
                match short {
                    "sum" => "sum",
                    "max" | "amax" => "max",
                    "mean" => "mean",
                    "logsumexp" => "logsumexp",
                    _ => "var",
                },
                src,
            )
        }
        _ => Origin::Plain,
    };
    let v = it.new_array(shape, dtype, lib, origin);
    Some(crate::arrays::with_grad(v, a.requires_grad))
}

pub(crate) fn create_rule(
    it: &mut dyn Host,
    ca: &CallArgs,
    r: &Resolved,
    shape_arg: ShapeArg,
    default: DType,
    flops: f64,
) -> Option<Value> {
    let lib = ca.lib();
    let shape = match shape_arg {
        ShapeArg::Varargs => {
            let mut dims = Vec::new();
            for v in &ca.pos {
                match v {
                    Value::Starred(inner) => dims.extend(shape_of(it, inner).unwrap_or_default()),
                    other => {
                        if let Some(mut s) = shape_of(it, other) {
                            dims.append(&mut s);
                        }
                    }
                }
            }
            if let Some(s) = ca.kwarg("size") {
                dims = shape_of(it, s).unwrap_or_default();
            }
            dims
        }
        ShapeArg::Arg(i, kw) => {
            if lib == Lib::Torch
                && matches!(ca.short(), "zeros" | "ones" | "empty" | "rand" | "randn")
                && ca.pos.len() > 1
            {
                ca.pos.iter().filter_map(|v| v.as_sym()).collect()
            } else {
                match ca.arg(i, kw) {
                    Some(v) => match shape_of(it, v) {
                        Some(s) => s,
                        None if matches!(v, Value::None) => vec![],
                        None => vec![it.unknown_int("an array shape")],
                    },
                    None => vec![],
                }
            }
        }
    };
    let mut dtype = ca.kwarg("dtype").and_then(dtype_of).unwrap_or(default);
    if lib == Lib::Torch && ca.kwarg("dtype").is_none() && default == DType::Float64 {
        dtype = DType::Float32;
    }
    if ca.short() == "full" && ca.kwarg("dtype").is_none() {
        if let Some(Value::Int(_)) = ca.arg(1, "fill_value") {
            dtype = DType::Int64;
        }
    }
    if shape.is_empty() && ca.name.contains("random") {
        // A single random number.
        it.ops(|o, m| o.calls += m);
        return Some(scalar_of(dtype));
    }
    let v = it.new_array(shape, dtype, lib, Origin::Plain);
    emit_alloc(it, ca, r, &v, flops);
    let rg = is_true(ca.kwarg("requires_grad"));
    Some(crate::arrays::with_grad(v, rg))
}

// ---------- creation handlers ----------

fn returns_none(_: &mut dyn Host, _: &CallArgs) -> Option<Value> {
    Some(Value::None)
}

fn meta(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let subject = ca.subject();
    Some(match (ca.short(), subject) {
        ("size" | "shape", Some(Value::Array(a))) => match ca
            .after_subject(0, "dim")
            .and_then(|v| v.as_sym())
            .and_then(|s| s.as_int())
        {
            Some(i) => {
                let n = a.ndim() as i64;
                let j = if i < 0 { n + i } else { i };
                Value::Int(a.shape.get(j as usize).cloned().unwrap_or_else(Sym::one))
            }
            None => Value::tuple(a.shape.iter().map(|d| Value::Int(d.clone())).collect()),
        },
        ("numel", Some(Value::Array(a))) => Value::Int(a.size()),
        ("dim" | "ndim", Some(Value::Array(a))) => Value::int(a.ndim() as i64),
        ("no_grad" | "inference_mode" | "enable_grad", _) => Value::new_obj(&ca.name),
        ("device", _) => Value::new_obj("torch.device"),
        ("is_available", _) => Value::Bool(Some(false)),
        ("dtype", _) => ca
            .pos
            .first()
            .and_then(dtype_of)
            .map(Value::DType)
            .unwrap_or(Value::Unknown),
        _ => {
            let _ = it;
            Value::Unknown
        }
    })
}

/// `torch.randint(high, size)` or `torch.randint(low, high, size)`.
fn torch_randint(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let size = ca
        .kwarg("size")
        .or_else(|| ca.pos.iter().find(|v| matches!(v, Value::Seq { .. })))?;
    let shape = shape_of(it, size)?;
    let dtype = ca.kwarg("dtype").and_then(dtype_of).unwrap_or(DType::Int64);
    let v = it.new_array(shape, dtype, Lib::Torch, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 6.0);
    Some(v)
}

fn make_rng(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let _ = ca;
    Some(Value::new_obj("numpy.random.Generator"))
}

fn like(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let dtype = ca.kwarg("dtype").and_then(dtype_of).unwrap_or(a.dtype);
    let v = it.new_array(a.shape.clone(), dtype, a.lib, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    let flops = if ca.short().starts_with("rand") {
        6.0
    } else {
        0.0
    };
    emit_alloc(it, ca, &r, &v, flops);
    Some(v)
}

/// `np.array`, `asarray`, `copy`, `astype`, `torch.tensor`, `.to()`, `.float()`...
fn array(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let short = ca.short();
    let src = ca.subject()?.clone();
    if matches!(short, "item") {
        return Some(match &src {
            Value::Array(a) => scalar_of(a.dtype),
            _ => Value::Float(None),
        });
    }
    if matches!(short, "tolist") {
        let a = as_arr(Some(&src))?;
        let n = a.size();
        it.emit(draft(
            C::Python,
            "numpy.tolist",
            n.clone(),
            a.nbytes(),
            n.scale(32.0),
            Some(a.dtype),
            P::Interpreter,
            &[],
            format!("{}, {} elements boxed into Python objects", ca.text, n),
        ));
        let mut v = scalar_of(a.dtype);
        for d in a.shape.iter().rev() {
            v = Value::homog(SeqKind::List, v, d.clone());
        }
        return Some(v);
    }
    if matches!(short, "requires_grad_" | "detach") {
        if let Value::Array(a) = &src {
            let mut x = (**a).clone();
            x.requires_grad = short == "requires_grad_";
            return Some(Value::Array(Rc::new(x)));
        }
    }
    let mut a = match &src {
        Value::Array(a) => (**a).clone(),
        Value::Seq { .. } | Value::Range { .. } => {
            let (shape, dtype) = seq_shape(&src);
            let n = Sym::product(shape.iter().cloned());
            // Converting Python objects element by element is interpreter-bound.
            it.ops(|o, m| o.indexing += m * 0.0);
            let lib = ca.lib();
            let dtype = if lib == Lib::Torch && dtype == DType::Float64 {
                DType::Float32
            } else {
                dtype
            };
            let _ = n;
            ArrayVal {
                shape,
                dtype,
                lib,
                id: 0,
                base: 0,
                origin: Origin::Plain,
                requires_grad: false,
            }
        }
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            let lib = ca.lib();
            let v = it.new_array(
                vec![],
                if matches!(src, Value::Float(_)) {
                    DType::Float64
                } else {
                    DType::Int64
                },
                lib,
                Origin::Plain,
            );
            return Some(v);
        }
        Value::Bytes { len } => ArrayVal {
            shape: vec![len.clone()],
            dtype: DType::UInt8,
            lib: ca.lib(),
            id: 0,
            base: 0,
            origin: Origin::Plain,
            requires_grad: false,
        },
        _ => return None,
    };
    let want = match short {
        "float" => Some(DType::Float32),
        "double" => Some(DType::Float64),
        "half" => Some(DType::Float16),
        "long" => Some(DType::Int64),
        "int" => Some(DType::Int32),
        "bool" => Some(DType::Bool),
        "astype" | "type" => ca.after_subject(0, "dtype").and_then(dtype_of),
        "to" => ca
            .after_subject(0, "dtype")
            .and_then(dtype_of)
            .or(ca.kwarg("dtype").and_then(dtype_of)),
        _ => ca.kwarg("dtype").and_then(dtype_of).or_else(|| {
            if matches!(short, "array" | "asarray") {
                ca.pos.get(1).and_then(dtype_of)
            } else {
                None
            }
        }),
    };
    let from_array = matches!(src, Value::Array(_));
    let no_copy = from_array
        && (matches!(
            short,
            "asarray"
                | "asanyarray"
                | "from_numpy"
                | "as_tensor"
                | "numpy"
                | "cpu"
                | "to"
                | "cuda"
                | "contiguous"
                | "require"
                | "asmatrix"
        ) || (short == "astype"
            && matches!(ca.after_subject(1, "copy"), Some(Value::Bool(Some(false))))))
        && want.is_none_or(|d| d == a.dtype);
    if let Some(d) = want {
        a.dtype = d;
    }
    if matches!(short, "from_numpy" | "tensor" | "as_tensor") {
        a.lib = Lib::Torch;
    }
    if short == "numpy" {
        a.lib = Lib::Numpy;
    }
    if no_copy {
        if let Value::Array(orig) = &src {
            let mut x = (**orig).clone();
            x.lib = a.lib;
            return Some(Value::Array(Rc::new(x)));
        }
    }
    let rg = is_true(ca.kwarg("requires_grad")) || (a.requires_grad && short != "detach");
    let v = it.new_array(a.shape.clone(), a.dtype, a.lib, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    let bytes = a.size().scale(a.dtype.itemsize());
    let read = if from_array {
        a.size().scale(match &src {
            Value::Array(s) => s.dtype.itemsize(),
            _ => 8.0,
        })
    } else {
        a.size().scale(32.0)
    };
    let b = it.num(&bytes);
    let (cat, par) = if from_array {
        (C::Memory, P::Serial)
    } else {
        (C::Memory, P::Interpreter)
    };
    it.emit(draft(
        cat,
        &r.pattern,
        Sym::zero(),
        read.add(&bytes),
        bytes,
        Some(a.dtype),
        par,
        &[],
        format!(
            "{}, {} {} -> memory, copies {}",
            ca.text,
            shape_str(&a.shape),
            a.dtype.name(),
            fmt_bytes(b)
        ),
    ));
    Some(crate::arrays::with_grad(v, rg))
}

fn arange(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let nums: Vec<Value> = ca
        .pos
        .iter()
        .filter(|v| !matches!(v, Value::DType(_)))
        .cloned()
        .collect();
    let g = |i: usize| nums.get(i).and_then(|v| v.as_sym());
    let (start, stop, step) = match nums.len() {
        0 => (
            Sym::zero(),
            ca.kwarg("stop")
                .and_then(|v| v.as_sym())
                .unwrap_or_else(Sym::zero),
            Sym::one(),
        ),
        1 => (Sym::zero(), g(0)?, Sym::one()),
        2 => (g(0)?, g(1)?, Sym::one()),
        _ => (g(0)?, g(1)?, g(2)?),
    };
    let n = if step.as_num().is_some_and(|s| s.fract() != 0.0) {
        stop.sub(&start).div(&step).clamp0()
    } else {
        range_len(&start, &stop, &step)
    };
    let is_float = nums.iter().any(|v| matches!(v, Value::Float(_)));
    let mut dtype = ca
        .kwarg("dtype")
        .and_then(dtype_of)
        .or(ca.pos.iter().find_map(dtype_of))
        .unwrap_or(if is_float {
            DType::Float64
        } else {
            DType::Int64
        });
    if ca.lib() == Lib::Torch && is_float && ca.kwarg("dtype").is_none() {
        dtype = DType::Float32;
    }
    let v = it.new_array(vec![n], dtype, ca.lib(), Origin::Grid);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 1.0);
    Some(v)
}

fn linspace(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = match ca.arg(
        2,
        if ca.lib() == Lib::Torch {
            "steps"
        } else {
            "num"
        },
    ) {
        Some(v) => v.as_sym().unwrap_or_else(|| Sym::num(50.0)),
        None => Sym::num(if ca.lib() == Lib::Torch { 100.0 } else { 50.0 }),
    };
    let dtype = ca
        .kwarg("dtype")
        .and_then(dtype_of)
        .unwrap_or(if ca.lib() == Lib::Torch {
            DType::Float32
        } else {
            DType::Float64
        });
    let v = it.new_array(vec![n], dtype, ca.lib(), Origin::Grid);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 2.0);
    Some(v)
}

fn eye(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = ca.arg(0, "N").or(ca.kwarg("n")).and_then(|v| v.as_sym())?;
    let m = ca
        .arg(1, "M")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| n.clone());
    let dtype = ca
        .kwarg("dtype")
        .and_then(dtype_of)
        .unwrap_or(if ca.lib() == Lib::Torch {
            DType::Float32
        } else {
            DType::Float64
        });
    let v = it.new_array(vec![n, m], dtype, ca.lib(), Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 0.0);
    Some(v)
}

/// `np.fromfunction(f, shape)`: builds one index grid per axis, then calls `f` on them.
fn fromfunction(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let f = ca.arg(0, "function")?.clone();
    let shape = shape_of(it, ca.arg(1, "shape")?)?;
    let dtype = ca
        .kwarg("dtype")
        .and_then(dtype_of)
        .unwrap_or(DType::Float64);
    let grids: Vec<Value> = (0..shape.len())
        .map(|_| it.new_array(shape.clone(), dtype, Lib::Numpy, Origin::Grid))
        .collect();
    let grid_bytes =
        Sym::product(shape.iter().cloned()).scale(dtype.itemsize() * shape.len() as f64);
    let b = it.num(&grid_bytes);
    it.emit(draft(
        C::Memory,
        "numpy.fromfunction",
        Sym::product(shape.iter().cloned()).scale(shape.len() as f64),
        grid_bytes.clone(),
        grid_bytes,
        Some(dtype),
        P::Serial,
        &[],
        format!(
            "{}, {} index grids of {} -> memory, allocates {}",
            ca.text,
            shape.len(),
            shape_str(&shape),
            fmt_bytes(b)
        ),
    ));
    // The grids' size, for the cost model: elements of all the index grids.
    let grid_elems = it.num(&Sym::product(shape.iter().cloned())) * shape.len() as f64;
    if let Some(k) = it.last_kernel_mut() {
        k.dims = vec![grid_elems];
    }
    // The function then runs once over the grids; its operations are kernels of
    // their own (a remainder costs far more than an addition).
    let result = match &f {
        Value::Func(func) => {
            let func = func.clone();
            it.call_function(&func, grids, vec![])
        }
        _ => Value::Unknown,
    };
    match result {
        Value::Array(_) => Some(result),
        _ => Some(it.new_array(shape, dtype, Lib::Numpy, Origin::Plain)),
    }
}

fn meshgrid(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let arrays: Vec<ArrayVal> = ca.pos.iter().filter_map(|v| as_arr(Some(v))).collect();
    if arrays.is_empty() {
        return None;
    }
    let mut shape: Vec<Sym> = arrays.iter().map(|a| a.size()).collect();
    let ij = matches!(ca.kwarg("indexing").and_then(|v| v.as_text()), Some("ij"))
        || ca.lib() == Lib::Torch;
    if !ij && shape.len() >= 2 {
        shape.swap(0, 1);
    }
    let dtype = arrays[0].dtype;
    let sparse = is_true(ca.kwarg("sparse"));
    let outs: Vec<Value> = arrays
        .iter()
        .map(|_| it.new_array(shape.clone(), dtype, arrays[0].lib, Origin::Grid))
        .collect();
    if !sparse {
        let bytes =
            Sym::product(shape.iter().cloned()).scale(dtype.itemsize() * arrays.len() as f64);
        let b = it.num(&bytes);
        it.emit(draft(
            C::Memory,
            "numpy.meshgrid",
            Sym::zero(),
            bytes.clone(),
            bytes,
            Some(dtype),
            P::Serial,
            &[],
            format!(
                "{}, {} grids of {} -> memory, allocates {}",
                ca.text,
                arrays.len(),
                shape_str(&shape),
                fmt_bytes(b)
            ),
        ));
    }
    Some(Value::tuple(outs))
}

fn indices(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let shape = shape_of(it, ca.pos.first()?)?;
    let mut full = vec![Sym::from(shape.len())];
    full.extend(shape);
    let dtype = ca
        .arg(1, "dtype")
        .and_then(dtype_of)
        .unwrap_or(DType::Int64);
    let v = it.new_array(full.clone(), dtype, Lib::Numpy, Origin::Grid);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 0.0);
    let n = it.num(&Sym::product(full));
    if let Some(k) = it.last_kernel_mut() {
        k.dims = vec![n];
    }
    Some(v)
}

/// `np.tile` shapes: aligned on the right, missing leading dimensions are 1.
fn tiled(shape: &[Sym], reps: &[Sym]) -> Vec<Sym> {
    let nd = shape.len().max(reps.len());
    let at = |v: &[Sym], i: usize| {
        (i + v.len())
            .checked_sub(nd)
            .map(|j| v[j].clone())
            .unwrap_or_else(Sym::one)
    };
    (0..nd).map(|i| at(shape, i).mul(&at(reps, i))).collect()
}

fn tile(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.subject())?;
    let reps_v = ca
        .after_subject(0, "repeats")
        .or(ca.after_subject(0, "reps"));
    let reps: Vec<Sym> = match reps_v {
        Some(v) => shape_of(it, v).unwrap_or_else(|| vec![Sym::one()]),
        None => vec![Sym::one()],
    };
    let shape: Vec<Sym> = if ca.short() == "tile" {
        tiled(&a.shape, &reps)
    } else {
        // repeat: along `axis`, or over the flattened array.
        let factor = Sym::product(reps);
        let axis = ca
            .kwarg("axis")
            .or(ca.kwarg("dim"))
            .and_then(|v| v.as_sym())
            .and_then(|s| s.as_int());
        match axis {
            Some(ax) if !a.shape.is_empty() => {
                let nd = a.ndim() as i64;
                let ax = if ax < 0 {
                    (nd + ax).max(0)
                } else {
                    ax.min(nd - 1)
                } as usize;
                let mut s = a.shape.clone();
                s[ax] = s[ax].mul(&factor);
                s
            }
            // Tensor.repeat(*sizes) works like np.tile.
            _ if ca.lib() == Lib::Torch && ca.short() == "repeat" => {
                let sizes: Vec<Sym> = ca.pos.iter().filter_map(|v| v.as_sym()).collect();
                tiled(&a.shape, &sizes)
            }
            _ => vec![a.size().mul(&factor)],
        }
    };
    let v = it.new_array(shape, a.dtype, a.lib, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 0.0);
    Some(v)
}

fn pad(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let w = ca
        .arg(1, "pad_width")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(Sym::zero);
    let shape: Vec<Sym> = a.shape.iter().map(|d| d.add(&w.scale(2.0))).collect();
    let v = it.new_array(shape, a.dtype, a.lib, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 0.0);
    Some(v)
}

fn diag(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let shape = if ca.short() == "tri" {
        let n = ca.arg(0, "N").and_then(|v| v.as_sym())?;
        let m = ca
            .arg(1, "M")
            .and_then(|v| v.as_sym())
            .unwrap_or_else(|| n.clone());
        vec![n, m]
    } else {
        let a = as_arr(ca.pos.first())?;
        if a.ndim() == 1 {
            vec![a.shape[0].clone(), a.shape[0].clone()]
        } else {
            vec![a.shape.first().cloned().unwrap_or_else(Sym::one)]
        }
    };
    let dtype = ca
        .kwarg("dtype")
        .and_then(dtype_of)
        .unwrap_or(match ca.pos.first() {
            Some(Value::Array(a)) => a.dtype,
            _ => DType::Float64,
        });
    let v = it.new_array(shape, dtype, ca.lib(), Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 0.0);
    Some(v)
}

fn copy_same(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.subject())?;
    let v = it.new_array(a.shape.clone(), a.dtype, a.lib, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 1.0);
    Some(v)
}

fn choice(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let size = ca.arg(1, "size");
    let shape = match size {
        Some(v) => shape_of(it, v).unwrap_or_default(),
        None => vec![],
    };
    if shape.is_empty() {
        return Some(Value::Unknown);
    }
    let dtype = match ca.pos.first() {
        Some(Value::Array(a)) => a.dtype,
        _ => DType::Int64,
    };
    let v = it.new_array(shape, dtype, Lib::Numpy, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 6.0);
    Some(v)
}

fn permutation(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let (shape, dtype) = match ca.pos.first()? {
        Value::Int(n) => (vec![n.clone()], DType::Int64),
        Value::Array(a) => (a.shape.clone(), a.dtype),
        _ => return None,
    };
    let v = it.new_array(shape, dtype, ca.lib(), Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 8.0);
    Some(v)
}

fn shuffle(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.pos.first())?;
    let n = a.size();
    it.emit(draft(
        C::Memory,
        "numpy.random.shuffle",
        n.scale(8.0),
        a.nbytes().scale(2.0),
        Sym::zero(),
        Some(a.dtype),
        P::Serial,
        &[],
        format!("{}, {} -> memory", ca.text, shape_str(&a.shape)),
    ));
    Some(Value::None)
}

fn fill(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.subject())?;
    it.emit(draft(
        C::Memory,
        "numpy.fill",
        a.size(),
        a.nbytes(),
        Sym::zero(),
        Some(a.dtype),
        P::Serial,
        &[],
        format!("{}, {} -> memory", ca.text, shape_str(&a.shape)),
    ));
    Some(if ca.recv.is_some() {
        ca.recv.clone().unwrap()
    } else {
        Value::None
    })
}

// ---------- views ----------

fn reshape(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.subject())?;
    let args: Vec<Value> = if ca.recv.is_some() {
        ca.pos.clone()
    } else {
        ca.pos.iter().skip(1).cloned().collect()
    };
    let spec = match args.as_slice() {
        [one] => shape_of(it, one)?,
        many if !many.is_empty() => many.iter().filter_map(|v| v.as_sym()).collect(),
        _ => shape_of(it, ca.kwarg("newshape").or(ca.kwarg("shape"))?)?,
    };
    // Infer a -1 dimension from the total size.
    let known: Vec<&Sym> = spec.iter().filter(|d| !d.is_num(-1.0)).collect();
    let total = a.size();
    let shape: Vec<Sym> = spec
        .iter()
        .map(|d| {
            if d.is_num(-1.0) {
                total.div(&Sym::product(known.iter().map(|x| (*x).clone())))
            } else {
                d.clone()
            }
        })
        .collect();
    Some(it.view_of(&a, shape))
}

fn transpose(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.subject())?;
    let mut shape = a.shape.clone();
    let rest: Vec<i64> = (0..4)
        .filter_map(|i| {
            ca.after_subject(i, "__axes")
                .and_then(|v| v.as_sym())
                .and_then(|s| s.as_int())
        })
        .collect();
    let norm = |x: i64| {
        if x < 0 {
            (shape.len() as i64 + x) as usize
        } else {
            x as usize
        }
    };
    match ca.short() {
        "swapaxes" | "transpose"
            if rest.len() == 2
                && ca.name != "numpy.transpose"
                && ca.name != "ndarray.transpose" =>
        {
            let (i, j) = (norm(rest[0]), norm(rest[1]));
            if i < shape.len() && j < shape.len() {
                shape.swap(i, j);
            }
        }
        "permute" | "transpose" if rest.len() == shape.len() && !rest.is_empty() => {
            shape = rest
                .iter()
                .map(|&i| a.shape.get(norm(i)).cloned().unwrap_or_else(Sym::one))
                .collect();
        }
        "moveaxis" | "rollaxis" if rest.len() == 2 => {
            let (i, j) = (norm(rest[0]), norm(rest[1]));
            if i < shape.len() && j < shape.len() {
                let d = shape.remove(i);
                shape.insert(j, d);
            }
        }
        _ => shape.reverse(),
    }
    Some(it.view_of(&a, shape))
}

fn view_ops(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.subject())?;
    let short = ca.short();
    let shape: Vec<Sym> = match short {
        "flatten" if ca.lib() == Lib::Torch => {
            let nd = a.ndim() as i64;
            let norm = |x: i64| {
                if x < 0 {
                    (nd + x).max(0) as usize
                } else {
                    (x as usize).min(a.ndim())
                }
            };
            let start = norm(
                ca.after_subject(0, "start_dim")
                    .and_then(|v| v.as_sym())
                    .and_then(|s| s.as_int())
                    .unwrap_or(0),
            );
            let end = norm(
                ca.after_subject(1, "end_dim")
                    .and_then(|v| v.as_sym())
                    .and_then(|s| s.as_int())
                    .unwrap_or(-1),
            );
            if a.shape.is_empty() || start > end.min(a.ndim() - 1) {
                a.shape.clone()
            } else {
                let mut s: Vec<Sym> = a.shape[..start].to_vec();
                s.push(Sym::product(
                    a.shape[start..=end.min(a.ndim() - 1)].iter().cloned(),
                ));
                s.extend(a.shape[end.min(a.ndim() - 1) + 1..].iter().cloned());
                s
            }
        }
        "ravel" | "flatten" => vec![a.size()],
        "squeeze" => a.shape.iter().filter(|d| !d.is_num(1.0)).cloned().collect(),
        "expand_dims" | "unsqueeze" => {
            let ax = ca
                .after_subject(0, "axis")
                .or(ca.kwarg("dim"))
                .and_then(|v| v.as_sym())
                .and_then(|s| s.as_int())
                .unwrap_or(0);
            let mut s = a.shape.clone();
            let pos = if ax < 0 {
                (s.len() as i64 + 1 + ax).max(0) as usize
            } else {
                (ax as usize).min(s.len())
            };
            s.insert(pos, Sym::one());
            s
        }
        "atleast_1d" if a.shape.is_empty() => vec![Sym::one()],
        "atleast_2d" if a.shape.len() < 2 => {
            let mut s = vec![Sym::one()];
            s.extend(a.shape.iter().cloned());
            s
        }
        "broadcast_to" | "expand" => {
            shape_of(it, ca.after_subject(0, "shape")?).unwrap_or_else(|| a.shape.clone())
        }
        "as_strided" => {
            shape_of(it, ca.after_subject(0, "shape")?).unwrap_or_else(|| a.shape.clone())
        }
        "sliding_window_view" => {
            let w = shape_of(it, ca.after_subject(0, "window_shape")?)?;
            let mut s = a.shape.clone();
            let k = w.len().min(s.len());
            let off = s.len() - k;
            for (i, wd) in w.iter().take(k).enumerate() {
                s[off + i] = s[off + i].sub(wd).add(&Sym::one());
            }
            s.extend(w.iter().take(k).cloned());
            let mut v = (*it.view_of(&a, s).as_array()?.clone()).clone();
            v.origin = Origin::Windows;
            return Some(Value::Array(Rc::new(v)));
        }
        "unfold" => {
            // Tensor.unfold(dim, size, step)
            let dim = ca
                .pos
                .first()
                .and_then(|v| v.as_sym())
                .and_then(|s| s.as_int())
                .unwrap_or(0)
                .max(0) as usize;
            let size = ca
                .pos
                .get(1)
                .and_then(|v| v.as_sym())
                .unwrap_or_else(Sym::one);
            let step = ca
                .pos
                .get(2)
                .and_then(|v| v.as_sym())
                .unwrap_or_else(Sym::one);
            let mut s = a.shape.clone();
            if dim < s.len() {
                s[dim] = s[dim].sub(&size).floordiv(&step).add(&Sym::one());
            }
            s.push(size);
            let mut v = (*it.view_of(&a, s).as_array()?.clone()).clone();
            v.origin = Origin::Windows;
            return Some(Value::Array(Rc::new(v)));
        }
        "real" | "imag" => {
            let mut v = (*it.view_of(&a, a.shape.clone()).as_array()?.clone()).clone();
            v.dtype = a.dtype.to_real();
            return Some(Value::Array(Rc::new(v)));
        }
        _ => a.shape.clone(),
    };
    if short == "flatten" && a.lib == Lib::Numpy {
        let v = it.new_array(shape, a.dtype, a.lib, Origin::Plain);
        let r = super::lookup(&ca.name)?;
        emit_alloc(it, ca, &r, &v, 0.0);
        return Some(v);
    }
    Some(it.view_of(&a, shape))
}

// ---------- elementwise specials ----------

fn where_(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    if ca.pos.len() == 1 {
        return nonzero(it, ca);
    }
    let parts: Vec<ArrayVal> = ca
        .pos
        .iter()
        .take(3)
        .map(crate::arrays::array_like)
        .collect();
    let mut shape = vec![];
    for p in &parts {
        shape = broadcast(&shape, &p.shape);
    }
    let dtype = parts
        .iter()
        .skip(1)
        .map(|p| p.dtype)
        .reduce(promote)
        .unwrap_or(DType::Float64);
    let refs: Vec<&ArrayVal> = parts.iter().filter(|p| !p.shape.is_empty()).collect();
    let d = elementwise_draft(&refs, &shape, dtype, 1.0, "numpy.where", &ca.text);
    it.emit(d);
    let lib = parts
        .iter()
        .find(|p| p.lib == Lib::Torch)
        .map(|_| Lib::Torch)
        .unwrap_or(Lib::Numpy);
    Some(it.new_array(shape, dtype, lib, Origin::Plain))
}

fn clip(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.subject())?;
    let d = elementwise_draft(&[&a], &a.shape, a.dtype, 2.0, "numpy.clip", &ca.text);
    let in_place = ca.name.ends_with('_');
    let mut d = d;
    if in_place {
        d.alloc = Sym::zero();
    }
    it.emit(d);
    it.autograd(&[ca.subject()?], 1.0, &a.shape, a.dtype);
    let v = it.new_array(a.shape.clone(), a.dtype, a.lib, Origin::Plain);
    Some(crate::arrays::with_grad(v, a.requires_grad))
}

fn special_softmax(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let n = a.size();
    let bytes = a.nbytes();
    it.emit(draft(
        C::Nn,
        if ca.short() == "softmax" {
            "scipy.special.softmax"
        } else {
            "scipy.special.log_softmax"
        },
        n.scale(25.0),
        bytes.scale(4.0),
        bytes.scale(2.0),
        Some(a.dtype),
        P::Serial,
        &["avx2"],
        format!(
            "{}, {} {} -> nn",
            ca.text,
            shape_str(&a.shape),
            a.dtype.name()
        ),
    ));
    Some(it.new_array(a.shape.clone(), a.dtype, a.lib, Origin::Plain))
}

fn scan(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.subject())?;
    let axis = ca
        .kwarg("axis")
        .or(ca.kwarg("dim"))
        .or(ca.after_subject(0, "__axis"));
    let shape = if axis.is_none() && a.lib == Lib::Numpy {
        vec![a.size()]
    } else {
        a.shape.clone()
    };
    let d = elementwise_draft(
        &[&a],
        &shape,
        a.dtype,
        1.0,
        &super::pattern_of(&ca.name),
        &ca.text,
    );
    let mut d = d;
    d.category = C::Reduction;
    it.emit(d);
    Some(it.new_array(shape, a.dtype, a.lib, Origin::Plain))
}

fn diff(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let mut shape = a.shape.clone();
    if ca.short() == "diff" {
        if let Some(last) = shape.last_mut() {
            let n = ca
                .arg(1, "n")
                .and_then(|v| v.as_sym())
                .unwrap_or_else(Sym::one);
            *last = last.sub(&n).clamp0();
        }
    }
    let d = elementwise_draft(
        &[&a],
        &shape,
        a.dtype,
        1.0,
        &super::pattern_of(&ca.name),
        &ca.text,
    );
    it.emit(d);
    Some(it.new_array(shape, out_dtype(Out::Float, a.dtype), a.lib, Origin::Plain))
}

// ---------- linear algebra ----------

/// `a @ b` and friends, with batch broadcasting; also used by the operator.
pub fn matmul_values(it: &mut dyn Host, l: &Value, r: &Value, text: &str, pattern: &str) -> Value {
    let a = crate::arrays::array_like(l);
    let b = crate::arrays::array_like(r);
    if a.shape.is_empty() || b.shape.is_empty() {
        return it.array_binop(l.clone(), r.clone(), 1.0, "multiply", false, false);
    }
    let (m, k) = if a.ndim() == 1 {
        (Sym::one(), a.shape[0].clone())
    } else {
        (a.shape[a.ndim() - 2].clone(), a.shape[a.ndim() - 1].clone())
    };
    let n = if b.ndim() == 1 {
        Sym::one()
    } else {
        b.shape[b.ndim() - 1].clone()
    };
    let batch_a = if a.ndim() > 2 {
        a.shape[..a.ndim() - 2].to_vec()
    } else {
        vec![]
    };
    let batch_b = if b.ndim() > 2 {
        b.shape[..b.ndim() - 2].to_vec()
    } else {
        vec![]
    };
    let batch = broadcast(&batch_a, &batch_b);
    let mut shape = batch.clone();
    if a.ndim() > 1 {
        shape.push(m.clone());
    }
    if b.ndim() > 1 {
        shape.push(n.clone());
    }
    let dtype = promote(a.dtype, b.dtype);
    let bsz = Sym::product(batch.iter().cloned());
    let flops = Sym::product([Sym::num(2.0), bsz.clone(), m.clone(), n.clone(), k.clone()]);
    let out_bytes = Sym::product(shape.iter().cloned()).scale(dtype.itemsize());
    let fl = it.num(&flops);
    let lib = if a.lib == Lib::Torch || b.lib == Lib::Torch {
        Lib::Torch
    } else {
        Lib::Numpy
    };
    let pat = match pattern {
        "operator.matmul" => {
            if lib == Lib::Torch {
                "torch.matmul"
            } else {
                "numpy.matmul"
            }
        }
        p => p,
    };
    let (cat, par) = if dtype.is_float() || dtype.is_complex() {
        (C::Matmul, P::Threaded)
    } else {
        (C::Matmul, P::Serial)
    };
    let idx = it.emit(draft(
        cat,
        pat,
        flops,
        a.nbytes().add(&b.nbytes()).add(&out_bytes),
        out_bytes,
        Some(dtype),
        par,
        &["fma", "avx2"],
        format!(
            "{text}, {} @ {} {} -> matmul, {}",
            shape_str(&a.shape),
            shape_str(&b.shape),
            dtype.name(),
            fmt_flops(fl, "FLOP")
        ),
    ));
    let dims = [it.num(&bsz.mul(&m)), it.num(&n), it.num(&k)];
    if let Some(kern) = it.kernel_mut(idx) {
        kern.dims = dims.to_vec();
    }
    let two = Sym::product([Sym::num(2.0), bsz, m, n, k]);
    it.autograd(&[l, r], 0.0, &[], dtype);
    if (a.requires_grad || b.requires_grad) && it.grad().disabled == 0 {
        it.grad().flops += it.num(&two) * it.mult_num();
        it.grad().act_bytes += it.num(&Sym::product(shape.iter().cloned())) * dtype.itemsize();
    }
    if shape.is_empty() && lib == Lib::Numpy {
        return scalar_of(dtype);
    }
    let v = it.new_array(shape, dtype, lib, Origin::Matmul(idx));
    crate::arrays::with_grad(v, a.requires_grad || b.requires_grad)
}

fn matmul_call(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let (l, r) = match &ca.recv {
        Some(rv) => (rv.clone(), ca.pos.first()?.clone()),
        None => (ca.pos.first()?.clone(), ca.pos.get(1)?.clone()),
    };
    let pattern = super::pattern_of(&ca.name);
    let pat = if ca.name.contains("dot") && !ca.name.starts_with("torch") {
        "numpy.dot"
    } else {
        &pattern
    };
    Some(matmul_values(it, &l, &r, &ca.text, pat))
}

fn outer(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let b = as_arr(ca.pos.get(1))?;
    let shape = vec![a.size(), b.size()];
    let dtype = promote(a.dtype, b.dtype);
    let d = elementwise_draft(&[&a, &b], &shape, dtype, 1.0, "numpy.outer", &ca.text);
    let mut d = d;
    d.category = C::Matmul;
    it.emit(d);
    Some(it.new_array(shape, dtype, a.lib, Origin::Plain))
}

fn kron(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let b = as_arr(ca.pos.get(1))?;
    let shape = broadcast(&a.shape, &b.shape)
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let x = a.shape.get(i).cloned().unwrap_or_else(Sym::one);
            let y = b.shape.get(i).cloned().unwrap_or_else(Sym::one);
            x.mul(&y)
        })
        .collect::<Vec<_>>();
    let dtype = promote(a.dtype, b.dtype);
    let mut d = elementwise_draft(&[&a, &b], &shape, dtype, 1.0, "numpy.kron", &ca.text);
    d.category = C::Matmul;
    it.emit(d);
    Some(it.new_array(shape, dtype, a.lib, Origin::Plain))
}

/// `einsum('ij,jk->ik', a, b)`: flops = 2 x product of all index extents.
fn einsum(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let spec = ca.pos.first()?.as_text()?.replace(' ', "");
    let operands: Vec<ArrayVal> = ca
        .pos
        .iter()
        .skip(1)
        .filter_map(|v| as_arr(Some(v)))
        .collect();
    let (ins, out) = match spec.split_once("->") {
        Some((i, o)) => (i.to_string(), Some(o.to_string())),
        None => (spec.clone(), None),
    };
    let raw_specs: Vec<&str> = ins.split(',').collect();
    if raw_specs.len() != operands.len() {
        return None;
    }
    // `...` stands for the leading (broadcast) axes: name them with capitals.
    let broadcast_axes = raw_specs
        .iter()
        .zip(&operands)
        .filter(|(s, _)| s.contains("..."))
        .map(|(s, a)| a.ndim().saturating_sub(s.len() - 3))
        .max()
        .unwrap_or(0)
        .min(20);
    let letters: String = ('A'..='Z').take(broadcast_axes).collect();
    let in_owned: Vec<String> = raw_specs
        .iter()
        .zip(&operands)
        .map(|(s, a)| {
            let k = a
                .ndim()
                .saturating_sub(s.len().saturating_sub(3))
                .min(broadcast_axes);
            s.replace("...", &letters[broadcast_axes - k..])
        })
        .collect();
    let in_specs: Vec<&str> = in_owned.iter().map(|s| s.as_str()).collect();
    let out = out.map(|o| o.replace("...", &letters)).or_else(|| {
        if spec.contains("...") {
            let mut once: Vec<char> = Vec::new();
            for c in in_specs.iter().flat_map(|s| s.chars()) {
                if c.is_ascii_lowercase()
                    && in_specs.iter().map(|s| s.matches(c).count()).sum::<usize>() == 1
                {
                    once.push(c);
                }
            }
            once.sort();
            Some(format!("{letters}{}", once.into_iter().collect::<String>()))
        } else {
            None
        }
    });
    let mut extent: std::collections::BTreeMap<char, Sym> = Default::default();
    let mut counts: std::collections::BTreeMap<char, usize> = Default::default();
    for (s, a) in in_specs.iter().zip(&operands) {
        for (c, d) in s.chars().zip(a.shape.iter()) {
            let e = extent.entry(c).or_insert_with(|| d.clone());
            if e.is_num(1.0) {
                *e = d.clone();
            }
            *counts.entry(c).or_default() += 1;
        }
    }
    let out_spec: String = match out {
        Some(o) => o,
        None => counts
            .iter()
            .filter(|(_, n)| **n == 1)
            .map(|(c, _)| *c)
            .collect(),
    };
    let shape: Vec<Sym> = out_spec
        .chars()
        .map(|c| extent.get(&c).cloned().unwrap_or_else(Sym::one))
        .collect();
    let all = Sym::product(extent.values().cloned());
    let contracted = extent.keys().any(|c| !out_spec.contains(*c));
    let flops = all.scale(if operands.len() > 1 { 2.0 } else { 1.0 });
    let dtype = operands
        .iter()
        .map(|a| a.dtype)
        .reduce(promote)
        .unwrap_or(DType::Float64);
    let out_bytes = Sym::product(shape.iter().cloned()).scale(dtype.itemsize());
    // numpy's einsum runs its own single-threaded loops unless asked to
    // `optimize` (then it contracts through tensordot, i.e. BLAS); torch's
    // always goes through batched matrix products.
    let optimize = match ca.kwarg("optimize") {
        None | Some(Value::None) | Some(Value::Bool(Some(false))) => false,
        Some(_) => true,
    };
    let blas = contracted && (optimize || ca.lib() == Lib::Torch);
    let windows = crate::idioms::conv_layer::over_windows(&operands.iter().collect::<Vec<_>>());
    let (cat, pattern) = if windows {
        (C::Nn, "idiom.conv_einsum")
    } else if contracted && operands.len() > 1 {
        (C::Matmul, "numpy.einsum")
    } else {
        (C::Elementwise, "numpy.einsum")
    };
    let fl = it.num(&flops);
    let idx = it.emit(draft(
        cat,
        pattern,
        flops,
        Sym::sum(operands.iter().map(|a| a.nbytes())).add(&out_bytes),
        out_bytes,
        Some(dtype),
        if blas { P::Threaded } else { P::Serial },
        &["fma", "avx2"],
        format!(
            "{}, '{spec}' over {} -> {}{}, {}",
            ca.text,
            operands
                .iter()
                .map(|a| shape_str(&a.shape))
                .collect::<Vec<_>>()
                .join(", "),
            cat.as_str(),
            if windows {
                " (convolution via sliding windows)"
            } else {
                ""
            },
            fmt_flops(fl, "FLOP")
        ),
    ));
    let lib = operands.first().map(|a| a.lib).unwrap_or(Lib::Numpy);
    if shape.is_empty() && lib == Lib::Numpy {
        return Some(scalar_of(dtype));
    }
    Some(it.new_array(shape, dtype, lib, Origin::Matmul(idx)))
}

fn tensordot(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let b = as_arr(ca.pos.get(1))?;
    let axes = ca.arg(
        2,
        if ca.lib() == Lib::Torch {
            "dims"
        } else {
            "axes"
        },
    );
    let (ax_a, ax_b): (Vec<usize>, Vec<usize>) = match axes {
        Some(Value::Int(n)) => {
            let n = n.as_int().unwrap_or(2).max(0) as usize;
            let n = n.min(a.ndim()).min(b.ndim());
            ((a.ndim() - n..a.ndim()).collect(), (0..n).collect())
        }
        Some(Value::Seq {
            items: SeqItems::Known(pair),
            ..
        }) if pair.len() == 2 => {
            let get = |v: &Value, nd: usize| -> Vec<usize> {
                let norm = |x: i64| {
                    if x < 0 {
                        (nd as i64 + x).max(0) as usize
                    } else {
                        x as usize
                    }
                };
                match v {
                    Value::Int(s) => vec![norm(s.as_int().unwrap_or(0))],
                    Value::Seq {
                        items: SeqItems::Known(xs),
                        ..
                    } => xs
                        .iter()
                        .filter_map(|x| x.as_sym()?.as_int())
                        .map(norm)
                        .collect(),
                    _ => vec![],
                }
            };
            (get(&pair[0], a.ndim()), get(&pair[1], b.ndim()))
        }
        _ => {
            let n = 2.min(a.ndim()).min(b.ndim());
            ((a.ndim() - n..a.ndim()).collect(), (0..n).collect())
        }
    };
    let k = Sym::product(ax_a.iter().filter_map(|&i| a.shape.get(i).cloned()));
    let mut shape: Vec<Sym> = a
        .shape
        .iter()
        .enumerate()
        .filter(|(i, _)| !ax_a.contains(i))
        .map(|(_, d)| d.clone())
        .collect();
    shape.extend(
        b.shape
            .iter()
            .enumerate()
            .filter(|(i, _)| !ax_b.contains(i))
            .map(|(_, d)| d.clone()),
    );
    let dtype = promote(a.dtype, b.dtype);
    let flops = Sym::product(shape.iter().cloned()).mul(&k).scale(2.0);
    let out_bytes = Sym::product(shape.iter().cloned()).scale(dtype.itemsize());
    let fl = it.num(&flops);
    let windows = crate::idioms::conv_layer::over_windows(&[&a, &b]);
    let (cat, pat) = if windows {
        (C::Nn, "idiom.conv_tensordot")
    } else {
        (C::Matmul, "numpy.tensordot")
    };
    let idx = it.emit(draft(
        cat,
        pat,
        flops,
        a.nbytes().add(&b.nbytes()).add(&out_bytes),
        out_bytes,
        Some(dtype),
        P::Threaded,
        &["fma", "avx2"],
        format!(
            "{}, {} . {} -> {}, {}",
            ca.text,
            shape_str(&a.shape),
            shape_str(&b.shape),
            cat.as_str(),
            fmt_flops(fl, "FLOP")
        ),
    ));
    Some(it.new_array(shape, dtype, a.lib, Origin::Matmul(idx)))
}

fn multi_dot(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let Value::Seq {
        items: SeqItems::Known(ms),
        ..
    } = ca.pos.first()?
    else {
        return None;
    };
    let mut acc = ms.first()?.clone();
    for m in &ms[1..] {
        acc = matmul_values(it, &acc, m, &ca.text, "numpy.linalg.multi_dot");
    }
    Some(acc)
}

fn matrix_power(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.pos.first())?;
    let p = ca.pos.get(1)?.as_sym()?.as_num()?.abs().max(1.0);
    let n = a.shape.last()?.clone();
    let muls = (p.log2().floor() + p.count_ones_f()).max(1.0);
    let flops = n.mul(&n).mul(&n).scale(2.0 * muls);
    let bytes = a.nbytes();
    let fl = it.num(&flops);
    it.emit(draft(
        C::Matmul,
        "numpy.linalg.matrix_power",
        flops,
        bytes.scale(3.0 * muls),
        bytes.scale(2.0),
        Some(a.dtype),
        P::Threaded,
        &["fma", "avx2"],
        format!(
            "{}, {} -> matmul, {}",
            ca.text,
            shape_str(&a.shape),
            fmt_flops(fl, "FLOP")
        ),
    ));
    Some(it.new_array(a.shape.clone(), a.dtype, a.lib, Origin::Plain))
}

trait CountOnes {
    fn count_ones_f(self) -> f64;
}
impl CountOnes for f64 {
    fn count_ones_f(self) -> f64 {
        (self as u64).count_ones() as f64 - 1.0
    }
}

/// LAPACK routines: cost formulas from their standard operation counts.
fn linalg(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    if a.ndim() < 2 {
        return None;
    }
    let m = a.shape[a.ndim() - 2].clone();
    let n = a.shape[a.ndim() - 1].clone();
    let batch = Sym::product(a.shape[..a.ndim() - 2].iter().cloned());
    let n3 = n.mul(&n).mul(&n);
    let mn2 = m.mul(&n).mul(&n);
    let short = ca.short();
    let nrhs = match ca.pos.get(1) {
        Some(Value::Array(b)) if b.ndim() >= 2 => b.shape[b.ndim() - 1].clone(),
        _ => Sym::one(),
    };
    let dtype = out_dtype(Out::Float, a.dtype);
    let full_uv = !matches!(ca.arg(1, "full_matrices"), Some(Value::Bool(Some(false))));
    let compute_uv = !matches!(ca.kwarg("compute_uv"), Some(Value::Bool(Some(false))));
    let new =
        |it: &mut dyn Host, shape: Vec<Sym>, d: DType| it.new_array(shape, d, a.lib, Origin::Plain);
    let mut bshape = a.shape[..a.ndim() - 2].to_vec();
    let with = |s: &mut Vec<Sym>, extra: &[Sym]| {
        let mut v = s.clone();
        v.extend(extra.iter().cloned());
        v
    };
    let (flops, result): (Sym, Value) = match short {
        "solve" | "cho_solve" | "lu_solve" | "solve_triangular" => {
            let b = ca.pos.get(1).cloned().unwrap_or(Value::Unknown);
            let f = if short == "solve" {
                n3.scale(2.0 / 3.0).add(&n.mul(&n).mul(&nrhs).scale(2.0))
            } else {
                n.mul(&n).mul(&nrhs).scale(2.0)
            };
            let out = match &b {
                Value::Array(bb) => new(it, bb.shape.clone(), dtype),
                _ => new(it, vec![n.clone()], dtype),
            };
            (f, out)
        }
        "inv" | "inverse" => (n3.scale(2.0), new(it, a.shape.clone(), dtype)),
        "pinv" => (
            mn2.scale(6.0).add(&n3.scale(20.0)),
            new(it, with(&mut bshape, &[n.clone(), m.clone()]), dtype),
        ),
        "det" | "slogdet" => (
            n3.scale(2.0 / 3.0),
            if short == "det" {
                Value::Float(None)
            } else {
                Value::tuple(vec![Value::Float(None), Value::Float(None)])
            },
        ),
        "cholesky" | "cho_factor" => (n3.scale(1.0 / 3.0), new(it, a.shape.clone(), dtype)),
        "qr" => {
            let f = mn2
                .scale(2.0)
                .sub(&n3.scale(2.0 / 3.0))
                .add(&mn2.scale(2.0));
            let q = new(it, with(&mut bshape, &[m.clone(), m.min(&n)]), dtype);
            let r = new(it, with(&mut bshape, &[m.min(&n), n.clone()]), dtype);
            (f, Value::tuple(vec![q, r]))
        }
        "svd" | "svdvals" => {
            let f = if compute_uv && short == "svd" {
                mn2.scale(4.0).add(&n3.scale(22.0))
            } else {
                mn2.scale(4.0).sub(&n3.scale(4.0 / 3.0)).clamp0()
            };
            let k = m.min(&n);
            let s = new(
                it,
                with(&mut bshape, std::slice::from_ref(&k)),
                dtype.to_real(),
            );
            if short == "svdvals" || !compute_uv {
                (f, s)
            } else {
                let (um, vn) = if full_uv {
                    (m.clone(), n.clone())
                } else {
                    (k.clone(), k.clone())
                };
                let u = new(it, with(&mut bshape, &[m.clone(), um]), dtype);
                let vt = new(it, with(&mut bshape, &[vn, n.clone()]), dtype);
                (f, Value::tuple(vec![u, s, vt]))
            }
        }
        "eig" => (
            n3.scale(25.0),
            Value::tuple(vec![
                new(
                    it,
                    with(&mut bshape, std::slice::from_ref(&n)),
                    dtype.to_complex(),
                ),
                new(it, a.shape.clone(), dtype.to_complex()),
            ]),
        ),
        "eigh" => (
            n3.scale(9.0),
            Value::tuple(vec![
                new(
                    it,
                    with(&mut bshape, std::slice::from_ref(&n)),
                    dtype.to_real(),
                ),
                new(it, a.shape.clone(), dtype),
            ]),
        ),
        "eigvals" => (
            n3.scale(10.0),
            new(
                it,
                with(&mut bshape, std::slice::from_ref(&n)),
                dtype.to_complex(),
            ),
        ),
        "eigvalsh" => (
            n3.scale(4.0 / 3.0),
            new(
                it,
                with(&mut bshape, std::slice::from_ref(&n)),
                dtype.to_real(),
            ),
        ),
        "lstsq" => {
            let x = new(it, vec![n.clone(), nrhs.clone()], dtype);
            (
                mn2.scale(4.0).add(&n3.scale(8.0)),
                Value::tuple(vec![
                    x,
                    Value::Unknown,
                    Value::Int(n.clone()),
                    Value::Unknown,
                ]),
            )
        }
        "matrix_rank" | "cond" => (
            mn2.scale(4.0),
            if short == "cond" {
                Value::Float(None)
            } else {
                Value::Int(n.clone())
            },
        ),
        "lu" | "lu_factor" => (
            n3.scale(2.0 / 3.0),
            Value::tuple(vec![
                new(it, a.shape.clone(), dtype),
                new(it, a.shape.clone(), dtype),
                new(it, a.shape.clone(), dtype),
            ]),
        ),
        "expm" => (n3.scale(20.0), new(it, a.shape.clone(), dtype)),
        _ => return None,
    };
    let flops = flops.mul(&batch);
    let fl = it.num(&flops);
    let pattern = super::pattern_of(&ca.name);
    let pattern = match short {
        "inverse" => "numpy.linalg.inv",
        _ => &pattern,
    };
    let pattern = if pattern.starts_with("numpy.linalg.") || pattern.starts_with("scipy.linalg.") {
        pattern.to_string()
    } else {
        format!("numpy.linalg.{short}")
    };
    let ws = a.nbytes().scale(2.0);
    it.emit(Draft {
        category: C::Matmul,
        pattern: if ca.name.starts_with("scipy.linalg") {
            format!("scipy.linalg.{short}")
        } else {
            pattern
        },
        flops,
        bytes_moved: a.nbytes().scale(3.0),
        alloc: ws,
        dtype: Some(dtype),
        parallelism: P::Threaded,
        affinity: &["fma", "avx2"],
        evidence: format!(
            "{}, {} {} -> matmul (LAPACK {short}), {}",
            ca.text,
            shape_str(&a.shape),
            dtype.name(),
            fmt_flops(fl, "FLOP")
        ),
    });
    Some(result)
}

// ---------- fft and convolution ----------

fn fft(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let short = ca.short();
    let mut shape = a.shape.clone();
    if shape.is_empty() {
        return None;
    }
    let multi = short.ends_with('2') || short.ends_with('n');
    let naxes = if short.ends_with('2') {
        2
    } else if short.ends_with('n') {
        shape.len()
    } else {
        1
    };
    let nd = shape.len();
    if let Some(nv) = ca.arg(1, "n").and_then(|v| v.as_sym()) {
        if !multi {
            shape[nd - 1] = nv;
        }
    }
    let last = shape[nd - 1].clone();
    if short.starts_with("rfft") {
        shape[nd - 1] = last.floordiv(&Sym::num(2.0)).add(&Sym::one());
    } else if short.starts_with("irfft") {
        shape[nd - 1] = last.sub(&Sym::one()).scale(2.0);
    }
    let dtype = if short.starts_with("irfft") || short == "hfft" {
        a.dtype.to_real()
    } else {
        a.dtype.to_complex()
    };
    // The transform runs over the (possibly padded or cropped) length `n`.
    let mut padded = a.shape.clone();
    if !multi && !short.starts_with("irfft") {
        padded[nd - 1] = if short.starts_with("rfft") {
            last.clone()
        } else {
            shape[nd - 1].clone()
        };
    }
    let transform: Sym = Sym::product(padded[nd.saturating_sub(naxes)..].iter().cloned());
    let total = Sym::product(padded.iter().cloned());
    let real_factor = if short.contains("rfft") { 0.5 } else { 1.0 };
    let flops = total.mul(&transform.log2()).scale(5.0 * real_factor);
    let out_bytes = Sym::product(shape.iter().cloned()).scale(dtype.itemsize());
    let fl = it.num(&flops);
    let pattern = if ca.name.starts_with("scipy") {
        format!("scipy.fft.{short}")
    } else if ca.name.starts_with("torch") {
        format!("torch.fft.{short}")
    } else {
        format!("numpy.fft.{short}")
    };
    it.emit(Draft {
        category: C::Signal,
        pattern,
        flops,
        bytes_moved: a.nbytes().add(&out_bytes).scale(2.0),
        alloc: out_bytes.scale(2.0),
        dtype: Some(dtype),
        parallelism: P::Serial,
        affinity: &["avx2", "fma"],
        evidence: format!(
            "{}, {} {} -> signal (FFT), {}",
            ca.text,
            shape_str(&a.shape),
            a.dtype.name(),
            fmt_flops(fl, "FLOP")
        ),
    });
    Some(it.new_array(shape, dtype, a.lib, Origin::Plain))
}

fn fftfreq(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = ca.pos.first()?.as_sym()?;
    let len = if ca.short() == "rfftfreq" {
        n.floordiv(&Sym::num(2.0)).add(&Sym::one())
    } else {
        n
    };
    Some(it.new_array(vec![len], DType::Float64, Lib::Numpy, Origin::Plain))
}

fn window(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = ca.pos.first()?.as_sym()?;
    let v = it.new_array(vec![n], DType::Float64, Lib::Numpy, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 10.0);
    Some(v)
}

/// Output length of a 1-D convolution in a numpy/scipy mode.
pub fn conv_len(n: &Sym, m: &Sym, mode: &str) -> Sym {
    match mode {
        "same" => n.max(m),
        "valid" => n.max(m).sub(&n.min(m)).add(&Sym::one()),
        _ => n.add(m).sub(&Sym::one()),
    }
}

fn convolve1d(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let v = as_arr(ca.pos.get(1))?;
    let default_mode = if ca.short() == "correlate" {
        "valid"
    } else {
        "full"
    };
    let mode = ca
        .arg(2, "mode")
        .and_then(|m| m.as_text())
        .unwrap_or(default_mode)
        .to_string();
    let n = a.size();
    let m = v.size();
    let out = conv_len(&n, &m, &mode);
    let dtype = promote(a.dtype, v.dtype);
    let flops = out.mul(&n.min(&m)).scale(2.0);
    let out_bytes = out.scale(dtype.itemsize());
    let fl = it.num(&flops);
    it.emit(draft(
        C::Signal,
        &format!("numpy.{}", ca.short()),
        flops,
        a.nbytes().add(&v.nbytes()).add(&out_bytes),
        out_bytes,
        Some(dtype),
        P::Serial,
        &["fma", "avx2"],
        format!(
            "{}, {} * {} mode={mode} -> signal, {}",
            ca.text,
            shape_str(&a.shape),
            shape_str(&v.shape),
            fmt_flops(fl, "FLOP")
        ),
    ));
    Some(it.new_array(vec![out], dtype, Lib::Numpy, Origin::Plain))
}

// ---------- sorting ----------

fn sort(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.subject())?;
    let short = ca.short();
    let axis_none = ca.lib() == Lib::Numpy
        && matches!(
            ca.kwarg("axis").or(ca.after_subject(0, "__axis")),
            Some(Value::None)
        );
    let shape = if axis_none {
        vec![a.size()]
    } else {
        a.shape.clone()
    };
    let n_axis = shape.last().cloned().unwrap_or_else(Sym::one);
    let total = a.size();
    let flops = if short.contains("partition") || short == "topk" {
        total.scale(3.0)
    } else {
        total.mul(&n_axis.log2())
    };
    let in_place = ca.recv.is_some() && ca.lib() == Lib::Numpy && short == "sort";
    let out_dtype = if short.starts_with("arg") || short == "lexsort" {
        DType::Int64
    } else {
        a.dtype
    };
    let out_bytes = Sym::product(shape.iter().cloned()).scale(out_dtype.itemsize());
    let fl = it.num(&flops);
    let pattern = format!(
        "{}.{short}",
        if ca.lib() == Lib::Torch {
            "torch"
        } else {
            "numpy"
        }
    );
    it.emit(draft(
        C::Sort,
        &pattern,
        flops,
        a.nbytes().scale(2.0).add(&out_bytes),
        if in_place { Sym::zero() } else { out_bytes },
        Some(a.dtype),
        P::Serial,
        &[],
        format!(
            "{}, {} {} -> sort, {}",
            ca.text,
            shape_str(&a.shape),
            a.dtype.name(),
            fmt_flops(fl, "op")
        ),
    ));
    if in_place {
        return Some(Value::None);
    }
    let out = it.new_array(shape, out_dtype, a.lib, Origin::Plain);
    if short == "sort" && ca.lib() == Lib::Torch || short == "topk" {
        let idx = it.new_array(a.shape.clone(), DType::Int64, a.lib, Origin::Plain);
        return Some(Value::tuple(vec![out, idx]));
    }
    Some(out)
}

fn unique(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let n = a.size();
    let flops = n.mul(&n.log2());
    let fl = it.num(&flops);
    // The number of distinct values is data-dependent: the input size bounds it.
    it.emit(draft(
        C::Sort,
        "numpy.unique",
        flops,
        a.nbytes().scale(3.0),
        a.nbytes().scale(2.0),
        Some(a.dtype),
        P::Serial,
        &[],
        format!(
            "{}, {} {} -> sort, {} (output size unknown, bounded by the input)",
            ca.text,
            shape_str(&a.shape),
            a.dtype.name(),
            fmt_flops(fl, "op")
        ),
    ));
    let out = it.new_array(vec![n], a.dtype, a.lib, Origin::Plain);
    let extra = ca
        .kw
        .iter()
        .filter(|(k, v)| k.starts_with("return_") && matches!(v, Value::Bool(Some(true))))
        .count();
    if extra > 0 {
        let mut v = vec![out];
        for _ in 0..extra {
            v.push(it.new_array(vec![a.size()], DType::Int64, a.lib, Origin::Plain));
        }
        return Some(Value::tuple(v));
    }
    Some(out)
}

fn searchsorted(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let v = ca.pos.get(1)?;
    let q = as_arr(Some(v));
    let nq = q.as_ref().map(|x| x.size()).unwrap_or_else(Sym::one);
    let flops = nq.mul(&a.size().log2());
    it.emit(draft(
        C::Sort,
        "numpy.searchsorted",
        flops,
        nq.scale(16.0),
        nq.scale(8.0),
        None,
        P::Serial,
        &[],
        format!("{}, {} queries -> sort", ca.text, nq),
    ));
    match q {
        Some(q) if !q.shape.is_empty() => {
            Some(it.new_array(q.shape.clone(), DType::Int64, a.lib, Origin::Plain))
        }
        _ => Some(Value::Int(Sym::var("index"))),
    }
}

fn nonzero(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.subject())?;
    // Data-dependent: assume half of the elements are selected.
    let k = a.size().scale(0.5);
    it.emit(draft(
        C::Reduction,
        "numpy.nonzero",
        a.size(),
        a.nbytes().add(&k.scale(8.0)),
        k.scale(8.0 * a.ndim().max(1) as f64),
        None,
        P::Serial,
        &[],
        format!(
            "{}, {} -> reduction (assumes half the elements selected)",
            ca.text,
            shape_str(&a.shape)
        ),
    ));
    let idx: Vec<Value> = (0..a.ndim().max(1))
        .map(|_| it.new_array(vec![k.clone()], DType::Int64, a.lib, Origin::Plain))
        .collect();
    match ca.short() {
        "flatnonzero" => Some(idx.into_iter().next().unwrap()),
        "argwhere" => Some(it.new_array(
            vec![k, Sym::from(a.ndim())],
            DType::Int64,
            a.lib,
            Origin::Plain,
        )),
        _ => Some(Value::tuple(idx)),
    }
}

fn histogram(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let bins = if ca.short() == "bincount" {
        // One count per value up to the largest: `minlength` where the
        // program says it (`np.bincount(pixels, minlength=256)`), else a
        // hundred (class labels, small codes); the second argument is the
        // weights, not a number of bins.
        ca.kwarg("minlength")
            .and_then(|v| v.as_sym())
            .unwrap_or_else(|| Sym::num(100.0))
    } else {
        ca.arg(1, "bins")
            .and_then(|v| v.as_sym())
            .unwrap_or_else(|| Sym::num(if ca.short() == "histc" { 100.0 } else { 10.0 }))
    };
    it.emit(draft(
        C::Reduction,
        &super::pattern_of(&ca.name),
        a.size().scale(4.0),
        a.nbytes(),
        bins.scale(8.0),
        Some(a.dtype),
        P::Serial,
        &[],
        format!("{}, {} -> reduction", ca.text, shape_str(&a.shape)),
    ));
    let h = it.new_array(vec![bins.clone()], DType::Int64, a.lib, Origin::Plain);
    if ca.short() == "histogram" {
        let edges = it.new_array(
            vec![bins.add(&Sym::one())],
            DType::Float64,
            a.lib,
            Origin::Plain,
        );
        return Some(Value::tuple(vec![h, edges]));
    }
    Some(h)
}

// ---------- joining ----------

fn concatenate(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let short = ca.short();
    // The parts, each with how many times it occurs (a homogeneous list of n arrays).
    let parts: Vec<(ArrayVal, Sym)> = if short == "append" {
        ca.pos
            .iter()
            .take(2)
            .filter_map(|v| as_arr(Some(v)))
            .map(|a| (a, Sym::one()))
            .collect()
    } else {
        match ca.pos.first()? {
            Value::Seq {
                items: SeqItems::Known(v),
                ..
            } => v
                .iter()
                .filter_map(|x| as_arr(Some(x)))
                .map(|a| (a, Sym::one()))
                .collect(),
            Value::Seq {
                items: SeqItems::Homog { elem, len, .. },
                ..
            } => vec![(as_arr(Some(elem))?, len.clone())],
            _ => return None,
        }
    };
    if parts.is_empty() {
        return None;
    }
    let count = Sym::sum(parts.iter().map(|(_, n)| n.clone()));
    let total = |axis: usize| {
        Sym::sum(
            parts
                .iter()
                .map(|(p, n)| p.shape.get(axis).cloned().unwrap_or_else(Sym::one).mul(n)),
        )
    };
    let axis_kw = ca.kwarg("axis").or(ca.kwarg("dim"));
    let axis = axis_kw
        .and_then(|v| v.as_sym())
        .and_then(|s| s.as_int())
        .unwrap_or(0);
    let first = &parts[0].0;
    let nd = first.ndim();
    let norm = |ax: i64, nd: usize| {
        if ax < 0 {
            (nd as i64 + ax).max(0) as usize
        } else {
            ax as usize
        }
    };
    let shape: Vec<Sym> = match short {
        "stack" => {
            let mut s = first.shape.clone();
            let ax = norm(axis, nd + 1).min(s.len());
            s.insert(ax, count);
            s
        }
        "vstack" | "row_stack" if nd <= 1 => {
            vec![count, first.shape.first().cloned().unwrap_or_else(Sym::one)]
        }
        "column_stack" if nd <= 1 => {
            vec![first.shape.first().cloned().unwrap_or_else(Sym::one), count]
        }
        "dstack" if nd <= 2 => {
            let mut s = first.shape.clone();
            while s.len() < 2 {
                s.insert(0, Sym::one());
            }
            s.push(count);
            s
        }
        "hstack" if nd <= 1 => vec![total(0)],
        "append" if axis_kw.is_none() => vec![Sym::sum(parts.iter().map(|(p, n)| p.size().mul(n)))],
        _ if nd == 0 => vec![count],
        _ => {
            let ax = match short {
                "hstack" | "column_stack" => 1,
                "dstack" => 2,
                "vstack" | "row_stack" => 0,
                _ => norm(axis, nd),
            };
            let mut s = first.shape.clone();
            if ax < s.len() {
                s[ax] = total(ax);
            }
            s
        }
    };
    let dtype = parts
        .iter()
        .map(|(p, _)| p.dtype)
        .reduce(promote)
        .unwrap_or(DType::Float64);
    let lib = if parts.iter().any(|(p, _)| p.lib == Lib::Torch) {
        Lib::Torch
    } else {
        Lib::Numpy
    };
    let v = it.new_array(shape, dtype, lib, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 0.0);
    let rg = parts.iter().any(|(p, _)| p.requires_grad);
    Some(crate::arrays::with_grad(v, rg))
}

fn split(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.subject())?;
    let short = ca.short();
    let torch = ca.lib() == Lib::Torch;
    let nd = a.ndim() as i64;
    let axis_v = ca
        .kwarg(if torch { "dim" } else { "axis" })
        .or_else(|| ca.after_subject(1, "__axis"));
    let default_axis = match short {
        "hsplit" => 1,
        "dsplit" => 2,
        _ => 0,
    };
    let axis = axis_v
        .and_then(|v| v.as_sym())
        .and_then(|s| s.as_int())
        .unwrap_or(default_axis);
    let axis = if axis < 0 {
        (nd + axis).max(0)
    } else {
        axis.min((nd - 1).max(0))
    } as usize;
    let len = a.shape.get(axis).cloned().unwrap_or_else(Sym::one);
    let arg = ca
        .after_subject(0, "indices_or_sections")
        .or(ca.after_subject(0, "split_size_or_sections"))
        .or(ca.after_subject(0, "chunks"));
    // (number of parts, size of each part along the axis)
    let (count, part) = match (short, arg) {
        // torch.split(x, size): parts of `size`; torch.chunk(x, n): n parts.
        ("split", Some(Value::Int(size))) if torch => (len.div(size), size.clone()),
        (_, Some(Value::Int(k))) => (k.clone(), len.div(k)),
        (_, Some(v @ Value::Seq { .. })) => {
            let n = v.len().unwrap_or_else(Sym::one);
            // Split points: one more part than points, sizes averaged.
            let parts = if torch { n } else { n.add(&Sym::one()) };
            (parts.clone(), len.div(&parts))
        }
        _ => (Sym::num(2.0), len.div(&Sym::num(2.0))),
    };
    let mut shape = a.shape.clone();
    if let Some(d) = shape.get_mut(axis) {
        *d = part;
    }
    let piece = it.view_of(&a, shape);
    Some(Value::homog(SeqKind::List, piece, count))
}

// ---------- bytes and files ----------

fn tobytes(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.recv.as_ref())?;
    let n = a.nbytes();
    it.emit(draft(
        C::Memory,
        "numpy.tobytes",
        Sym::zero(),
        n.scale(2.0),
        n.clone(),
        Some(a.dtype),
        P::Serial,
        &[],
        format!(
            "{}, {} -> memory, copies {}",
            ca.text,
            shape_str(&a.shape),
            fmt_bytes(it.num(&n))
        ),
    ));
    Some(Value::Bytes { len: n })
}

fn frombuffer(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let len = ca.pos.first()?.len()?;
    let dtype = ca
        .arg(1, "dtype")
        .and_then(dtype_of)
        .unwrap_or(DType::Float64);
    let n = len.div(&Sym::num(dtype.itemsize()));
    // A view of the buffer: no copy.
    Some(it.new_array(vec![n], dtype, Lib::Numpy, Origin::Plain))
}

fn save(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let arrays: Vec<ArrayVal> = ca
        .recv
        .iter()
        .chain(ca.pos.iter())
        .chain(ca.kw.iter().map(|(_, v)| v))
        .filter_map(|v| match v {
            Value::Array(a) => Some((**a).clone()),
            _ => None,
        })
        .collect();
    let bytes = Sym::sum(arrays.iter().map(|a| a.nbytes()));
    let b = it.num(&bytes);
    let pattern = super::pattern_of(&ca.name);
    let text_mode = ca.short() == "savetxt";
    // Files the program writes itself are known when it reads them back.
    let path = ca.pos.first().and_then(|v| v.as_text()).map(str::to_string);
    if let (Some(mut p), Some(first)) = (path, arrays.first()) {
        if matches!(ca.short(), "save") && !p.ends_with(".npy") {
            p.push_str(".npy");
        }
        let header = if ca.short() == "save" { 128.0 } else { 0.0 };
        let size = it.num(&bytes) + header;
        it.wrote(p, (size, Some(std::rc::Rc::new(first.clone()))));
    }
    it.emit(draft(
        C::Io,
        &pattern,
        if text_mode {
            bytes.scale(10.0)
        } else {
            Sym::zero()
        },
        bytes.clone(),
        Sym::zero(),
        None,
        if text_mode { P::Interpreter } else { P::Serial },
        &[],
        format!("{}, writes {} -> io", ca.text, fmt_bytes(b)),
    ));
    Some(Value::None)
}

/// Parses the header of a `.npy` file: (shape, dtype).
pub fn parse_npy_header(head: &[u8]) -> Option<(Vec<usize>, DType)> {
    if head.len() < 10 || &head[..6] != b"\x93NUMPY" {
        return None;
    }
    let major = head[6];
    let (hlen, start) = if major == 1 {
        (u16::from_le_bytes([head[8], head[9]]) as usize, 10)
    } else {
        if head.len() < 12 {
            return None;
        }
        (
            u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize,
            12,
        )
    };
    let text = std::str::from_utf8(head.get(start..start + hlen.min(head.len() - start))?).ok()?;
    let descr = text.split("'descr':").nth(1)?.split('\'').nth(1)?;
    let dtype = DType::parse(descr)?;
    let shape_txt = text
        .split("'shape':")
        .nth(1)?
        .split('(')
        .nth(1)?
        .split(')')
        .next()?;
    let shape: Vec<usize> = shape_txt
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    Some((shape, dtype))
}

fn load(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let short = ca.short();
    let path = ca.pos.first().and_then(|v| v.as_text()).map(str::to_string);
    let dtype_arg = ca.arg(1, "dtype").and_then(dtype_of);
    let written = path.as_deref().and_then(|p| it.written(p));
    if let (Some((_, Some(arr))), "load" | "fromfile") = (&written, short) {
        let dtype = if short == "fromfile" {
            dtype_arg.unwrap_or(DType::Float64)
        } else {
            arr.dtype
        };
        let shape = if short == "fromfile" {
            vec![arr.nbytes().div(&Sym::num(dtype.itemsize()))]
        } else {
            arr.shape.clone()
        };
        let v = it.new_array(shape, dtype, ca.lib(), Origin::Plain);
        let bytes = v.as_array().map(|a| a.nbytes()).unwrap_or_else(Sym::zero);
        let b = it.num(&bytes);
        it.emit(draft(
            C::Io,
            &super::pattern_of(&ca.name),
            Sym::zero(),
            bytes.clone(),
            bytes,
            Some(dtype),
            P::Serial,
            &[],
            format!(
                "{}, reads back {} written earlier -> io",
                ca.text,
                fmt_bytes(b)
            ),
        ));
        return Some(v);
    }
    let size = path.as_deref().and_then(|p| it.probe().size(p));
    let (shape, dtype) = match (short, path.as_deref()) {
        ("load" | "memmap", Some(p)) if p.ends_with(".npy") => match it.probe().head(p, 4096).and_then(|h| parse_npy_header(&h)) {
            Some((s, d)) => (s.into_iter().map(Sym::from).collect(), d),
            None => (vec![it.unknown("npy_elements", crate::host::DEFAULT_SIZE * 1000.0, format!("shape of the array in `{p}` is not known (file not readable at analysis time)"))], DType::Float64),
        },
        _ => {
            let dtype = dtype_arg.unwrap_or(DType::Float64);
            let n = match size {
                Some(sz) if short == "fromfile" => Sym::num((sz as f64 / dtype.itemsize()).floor()),
                // Text: assume ~10 characters per number.
                Some(sz) if short.starts_with("loadtxt") || short.starts_with("genfromtxt") => Sym::num((sz as f64 / 10.0).floor()),
                Some(sz) => Sym::num((sz as f64 / dtype.itemsize()).floor()),
                None => it.unknown("file_elements", 1e6, format!("size of the file read by `{}` is not known", ca.text)),
            };
            (vec![n], dtype)
        }
    };
    let v = it.new_array(shape, dtype, ca.lib(), Origin::Plain);
    if let Value::Array(a) = &v {
        let bytes = a.nbytes();
        let b = it.num(&bytes);
        let text_mode = short.starts_with("loadtxt") || short.starts_with("genfromtxt");
        let mapped = short == "memmap"
            || ca
                .kwarg("mmap_mode")
                .is_some_and(|m| !matches!(m, Value::None));
        let pattern = super::pattern_of(&ca.name);
        it.emit(draft(
            C::Io,
            &pattern,
            if text_mode {
                bytes.scale(10.0)
            } else {
                Sym::zero()
            },
            bytes.clone(),
            if mapped { Sym::zero() } else { bytes },
            Some(dtype),
            if text_mode { P::Interpreter } else { P::Serial },
            &[],
            format!(
                "{}, reads {} {} ({}) -> io",
                ca.text,
                shape_str(&a.shape),
                dtype.name(),
                fmt_bytes(b)
            ),
        ));
    }
    Some(v)
}

/// `np.vectorize(f)`: a callable that runs `f` once per element, in the interpreter.
fn vectorize(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let f = ca.arg(0, "pyfunc")?.clone();
    let obj = Value::new_obj("numpy.vectorized");
    if let Value::Obj { attrs, .. } = &obj {
        attrs.borrow_mut().insert("func".into(), f);
    }
    Some(obj)
}

fn vectorized_call(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let f = match ca.recv.as_ref()? {
        Value::Obj { attrs, .. } => attrs.borrow().get("func").cloned()?,
        _ => return None,
    };
    let arrays: Vec<ArrayVal> = ca.pos.iter().filter_map(|v| as_arr(Some(v))).collect();
    let mut shape: Vec<Sym> = vec![];
    for a in &arrays {
        shape = broadcast(&shape, &a.shape);
    }
    let n = Sym::product(shape.iter().cloned());
    let scalars: Vec<Value> = arrays.iter().map(|a| scalar_of(a.dtype)).collect();
    it.enter_loop(vec![], n, true);
    let r = it.call_value_simple(f, scalars);
    it.exit_loop();
    let dtype = match r {
        Value::Int(_) => DType::Int64,
        Value::Bool(_) => DType::Bool,
        Value::Complex => DType::Complex128,
        _ => DType::Float64,
    };
    Some(it.new_array(shape, dtype, Lib::Numpy, Origin::Plain))
}

/// `np.apply_along_axis(f, axis, a)`: `f` on each 1-D slice, from the interpreter.
fn apply_along_axis(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let f = ca.arg(0, "func1d")?.clone();
    let axis = ca
        .arg(1, "axis")
        .and_then(|v| v.as_sym())
        .and_then(|s| s.as_int())
        .unwrap_or(0);
    let a = arr(ca.arg(2, "arr"))?;
    let nd = a.ndim() as i64;
    if nd == 0 {
        return None;
    }
    let ax = if axis < 0 {
        (nd + axis).max(0)
    } else {
        axis.min(nd - 1)
    } as usize;
    let line = a.shape[ax].clone();
    let others: Vec<Sym> = a
        .shape
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != ax)
        .map(|(_, d)| d.clone())
        .collect();
    let slice = it.view_of(&a, vec![line]);
    it.enter_loop(vec![], Sym::product(others.iter().cloned()), true);
    let r = it.call_value_simple(f, vec![slice]);
    it.exit_loop();
    let mut shape = others;
    if let Value::Array(ra) = &r {
        shape.splice(
            ax.min(shape.len())..ax.min(shape.len()),
            ra.shape.iter().cloned(),
        );
    }
    Some(it.new_array(shape, a.dtype, a.lib, Origin::Plain))
}

fn take(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.subject())?;
    let idx = ca
        .after_subject(0, "indices")
        .or(ca.after_subject(1, "index"))?;
    let ix = as_arr(Some(idx)).unwrap_or_else(|| crate::arrays::array_like(idx));
    let short = ca.short();
    let shape = if short == "take_along_axis" || short == "gather" || short == "take_along_dim" {
        ix.shape.clone()
    } else if ca.kwarg("axis").or(ca.kwarg("dim")).is_some() || short == "index_select" {
        let mut s = a.shape.clone();
        let axis = ca
            .kwarg("axis")
            .or(ca.kwarg("dim"))
            .or(ca.after_subject(0, "dim"))
            .and_then(|v| v.as_sym())
            .and_then(|x| x.as_int())
            .unwrap_or(0);
        let nd = s.len() as i64;
        if nd > 0 {
            let ax = if axis < 0 {
                (nd + axis).max(0)
            } else {
                axis.min(nd - 1)
            } as usize;
            s.splice(ax..=ax, ix.shape.iter().cloned());
        }
        s
    } else {
        ix.shape.clone()
    };
    let v = it.new_array(shape, a.dtype, a.lib, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 0.0);
    Some(v)
}

fn diagonal(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = arr(ca.subject())?;
    if a.ndim() < 2 {
        return None;
    }
    let n = a.shape[a.ndim() - 2].min(&a.shape[a.ndim() - 1]);
    let mut s = a.shape[..a.ndim() - 2].to_vec();
    s.push(n);
    Some(it.view_of(&a, s))
}

fn misc_elementwise(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let arrays: Vec<ArrayVal> = ca
        .pos
        .iter()
        .filter_map(|v| as_arr(Some(v)))
        .filter(|a| !a.shape.is_empty())
        .collect();
    let first = arrays.first()?.clone();
    let short = ca.short();
    let (shape, flops, dtype) = match short {
        "trapz" | "trapezoid" | "simpson" => (vec![], 3.0, DType::Float64),
        "polyval" => {
            let deg = arrays.first().map(|p| p.size()).unwrap_or_else(Sym::one);
            let x = arrays.get(1).cloned().unwrap_or_else(|| first.clone());
            return Some(poly_kernel(it, ca, &x, deg));
        }
        "interp" => (first.shape.clone(), 10.0, DType::Float64),
        "isin" | "in1d" => (first.shape.clone(), 8.0, DType::Bool),
        _ => (first.shape.clone(), 2.0, first.dtype),
    };
    let refs: Vec<&ArrayVal> = arrays.iter().collect();
    let pattern = super::pattern_of(&ca.name);
    let d = elementwise_draft(&refs, &first.shape, dtype, flops, &pattern, &ca.text);
    it.emit(d);
    if shape.is_empty() {
        return Some(Value::Float(None));
    }
    Some(it.new_array(shape, dtype, first.lib, Origin::Plain))
}

fn poly_kernel(it: &mut dyn Host, ca: &CallArgs, x: &ArrayVal, deg: Sym) -> Value {
    let n = x.size();
    let pattern = super::pattern_of(&ca.name);
    it.emit(draft(
        C::Elementwise,
        &pattern,
        n.mul(&deg).scale(2.0),
        x.nbytes().scale(2.0),
        x.nbytes(),
        Some(x.dtype),
        P::Serial,
        &["fma"],
        format!(
            "{}, degree {} over {} -> elementwise",
            ca.text,
            deg,
            shape_str(&x.shape)
        ),
    ));
    it.new_array(x.shape.clone(), DType::Float64, x.lib, Origin::Plain)
}

/// `np.polyfit(x, y, deg)`: a least-squares solve on a Vandermonde matrix.
fn polyfit(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let x = as_arr(ca.pos.first())?;
    let deg = ca
        .arg(2, "deg")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(Sym::one)
        .add(&Sym::one());
    let n = x.size();
    let flops = n.mul(&deg).mul(&deg).scale(4.0);
    let fl = it.num(&flops);
    it.emit(draft(
        C::Matmul,
        "numpy.polyfit",
        flops,
        n.mul(&deg).scale(8.0),
        n.mul(&deg).scale(8.0),
        Some(DType::Float64),
        P::Threaded,
        &["fma"],
        format!(
            "{}, {} points, {} coefficients -> matmul (least squares), {}",
            ca.text,
            n,
            deg,
            fmt_flops(fl, "FLOP")
        ),
    ));
    Some(it.new_array(vec![deg], DType::Float64, Lib::Numpy, Origin::Plain))
}

fn set_ops(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a = as_arr(ca.pos.first())?;
    let b = as_arr(ca.pos.get(1)).unwrap_or_else(|| a.clone());
    let n = a.size().add(&b.size());
    let flops = n.mul(&n.log2());
    let pattern = super::pattern_of(&ca.name);
    it.emit(draft(
        C::Sort,
        &pattern,
        flops,
        n.scale(a.dtype.itemsize() * 3.0),
        n.scale(a.dtype.itemsize()),
        Some(a.dtype),
        P::Serial,
        &[],
        format!(
            "{}, {} elements -> sort (output size data-dependent, bounded by the inputs)",
            ca.text, n
        ),
    ));
    let out = if ca.short() == "intersect1d" {
        a.size().min(&b.size())
    } else {
        n
    };
    Some(it.new_array(vec![out], a.dtype, Lib::Numpy, Origin::Plain))
}

fn random_dist(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    // The size is the last positional argument or `size=`.
    let size = ca.kwarg("size").or_else(|| {
        ca.pos.iter().rev().find(|v| {
            matches!(v, Value::Seq { .. }) || (ca.pos.len() >= 2 && matches!(v, Value::Int(_)))
        })
    });
    let shape = match size {
        Some(v) => shape_of(it, v).unwrap_or_default(),
        None => vec![],
    };
    if shape.is_empty() {
        return Some(Value::Float(None));
    }
    let v = it.new_array(shape, DType::Float64, Lib::Numpy, Origin::Plain);
    let r = super::lookup(&ca.name)?;
    emit_alloc(it, ca, &r, &v, 30.0);
    Some(v)
}

/// `scipy.io.wavfile.read(path)`: (rate, samples), 16-bit PCM assumed from the file size.
fn wav_read(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let path = ca.pos.first().and_then(|v| v.as_text()).map(str::to_string);
    let size = path.as_deref().and_then(|p| it.probe().size(p));
    let n = match size {
        Some(sz) => Sym::num(((sz as f64) - 44.0).max(0.0) / 2.0),
        None => it.unknown(
            "wav_samples",
            1e6,
            format!(
                "the length of the audio in `{}` is not known at analysis time",
                ca.text
            ),
        ),
    };
    let v = it.new_array(vec![n], DType::Int16, Lib::Numpy, Origin::Plain);
    if let Value::Array(a) = &v {
        let bytes = a.nbytes();
        let b = it.num(&bytes);
        it.emit(draft(
            C::Io,
            "scipy.io.wavfile.read",
            Sym::zero(),
            bytes.clone(),
            bytes,
            Some(DType::Int16),
            P::Serial,
            &[],
            format!(
                "{}, reads {} of 16-bit samples -> io",
                ca.text,
                fmt_bytes(b)
            ),
        ));
    }
    Some(Value::tuple(vec![Value::int(44100), v]))
}
