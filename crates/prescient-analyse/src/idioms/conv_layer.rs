//! Convolution layers written with `einsum`/`tensordot` over sliding windows
//! (`np.lib.stride_tricks.sliding_window_view`, `as_strided`, `Tensor.unfold`).
//!
//! The window views carry their provenance; the contraction over them is
//! recognised where it is costed (`kb::numpy::einsum` and `tensordot`) and
//! reported as `nn` with pattern `idiom.conv_einsum` / `idiom.conv_tensordot`.
//!
//! Why: the view itself is free, but the contraction is a full convolution
//! (output x kernel multiply-adds), and it is a layer, not a generic product.

use crate::value::{ArrayVal, Origin};

/// Whether any operand of a contraction is a sliding-window view.
pub fn over_windows(operands: &[&ArrayVal]) -> bool {
    operands.iter().any(|a| a.origin == Origin::Windows)
}
