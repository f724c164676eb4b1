//! One test per idiom recogniser: the idiom in several spellings, and a near miss
//! that must not be taken for it.

mod common;

use common::*;
use prescient_model::Category;

#[test]
fn matmul_loop_any_order_lists_and_arrays() {
    for order in ["i j k", "i k j", "k i j", "j k i"] {
        let v: Vec<&str> = order.split(' ').collect();
        let src = format!(
            "n = 30\nA = [[1.0] * n for _ in range(n)]\nB = [[1.0] * n for _ in range(n)]\nC = [[0.0] * n for _ in range(n)]\nfor {} in range(n):\n    for {} in range(n):\n        for {} in range(n):\n            C[i][j] += A[i][k] * B[k][j]\n",
            v[0], v[1], v[2]
        );
        let a = analyze(&src, &[]);
        let k = find(&a, "loop.matmul");
        assert_eq!(k.category, Category::Matmul);
        assert_eq!(k.flops, 2.0 * 27000.0, "{order}");
    }
    // numpy arrays, tuple indices, a scalar accumulator and a transposed operand.
    let src = "import numpy as np\nA = np.ones((20, 30))\nB = np.ones((40, 30))\nC = np.zeros((20, 40))\nfor i in range(20):\n    for j in range(40):\n        s = 0.0\n        for k in range(30):\n            s += A[i, k] * B[j, k]\n        C[i, j] = s\n";
    let a_tmp = analyze(src, &[]);
    assert_eq!(find(&a_tmp, "loop.matmul").flops, 2.0 * 20.0 * 40.0 * 30.0);
    // Near miss: an elementwise product in a double loop is not a matmul.
    let miss = "A = [[1.0] * 9 for _ in range(9)]\nB = [[1.0] * 9 for _ in range(9)]\nC = [[0.0] * 9 for _ in range(9)]\nfor i in range(9):\n    for j in range(9):\n        C[i][j] += A[i][j] * B[i][j]\n";
    assert!(!has(&analyze(miss, &[]), "loop.matmul"));
}

#[test]
fn matmul_in_comprehensions() {
    let src = "n = 12\nA = [[1.0] * n for _ in range(n)]\nB = [[2.0] * n for _ in range(n)]\nC = [[sum(A[i][k] * B[k][j] for k in range(n)) for j in range(n)] for i in range(n)]\n";
    let a_tmp = analyze(src, &[]);
    assert_eq!(find(&a_tmp, "loop.matmul").flops, 2.0 * 1728.0);
}

#[test]
fn fir_as_loops_and_correlation() {
    let src = "x = [0.0] * 1000\nh = [0.1] * 16\ny = [0.0] * 1000\nfor n in range(16, 1000):\n    for k in range(16):\n        y[n] += h[k] * x[n - k]\n";
    let a_tmp = analyze(src, &[]);
    let k = find(&a_tmp, "loop.fir");
    assert_eq!(k.category, Category::Signal);
    assert_eq!(k.flops, 2.0 * 984.0 * 16.0);
    let corr = "x = [0.0] * 500\nw = [1.0] * 8\nout = [sum(x[i + k] * w[k] for k in range(8)) for i in range(492)]\n";
    assert!(has(&analyze(corr, &[]), "loop.fir"));
    let conv2d = "img = [[0.0] * 64 for _ in range(64)]\nker = [[1.0] * 3 for _ in range(3)]\nout = [[0.0] * 62 for _ in range(62)]\nfor i in range(62):\n    for j in range(62):\n        for di in range(3):\n            for dj in range(3):\n                out[i][j] += img[i + di][j + dj] * ker[di][dj]\n";
    assert!(has(&analyze(conv2d, &[]), "loop.conv2d"));
}

#[test]
fn fir_as_shifted_slices() {
    let src =
        "import numpy as np\nx = np.ones(100000)\ny = 0.2 * x[2:] + 0.5 * x[1:-1] + 0.3 * x[:-2]\n";
    let a_tmp = analyze(src, &[]);
    let k = find(&a_tmp, "idiom.fir_slices");
    assert_eq!(k.category, Category::Signal);
    let miss = "import numpy as np\nx = np.ones(10)\ny = np.ones(10)\nz = 0.2 * x[1:] + 0.5 * y[1:] + 0.3 * x[:-1]\n";
    assert!(!has(&analyze(miss, &[]), "idiom.fir_slices"));
}

#[test]
fn iir_recursions_and_not_reductions() {
    let direct = "x = [1.0] * 800\ny = [0.0] * 800\nfor n in range(2, 800):\n    y[n] = 0.5 * x[n] + 0.3 * y[n - 1] - 0.1 * y[n - 2]\n";
    let a_tmp = analyze(direct, &[]);
    assert_eq!(find(&a_tmp, "loop.iir").category, Category::Signal);
    let state = "def biquad(xs):\n    z1 = z2 = 0.0\n    out = []\n    for x in xs:\n        y = 0.2 * x + z1\n        z1 = 0.4 * x - 0.5 * y + z2\n        z2 = 0.2 * x - 0.1 * y\n        out.append(y)\n    return out\nr = biquad([0.0] * 1000)\n";
    assert!(has(&analyze(state, &[]), "loop.iir"));
    let one_pole = "x = [1.0] * 100\ny = 0.0\nfor n in range(100):\n    y += 0.1 * (x[n] - y)\n";
    assert!(has(&analyze(one_pole, &[]), "loop.iir"));
    let reduction =
        "x = [1.0] * 100\nw = [2.0] * 100\ns = 0.0\nfor n in range(100):\n    s += x[n] * w[n]\n";
    let a = analyze(reduction, &[]);
    assert!(!has(&a, "loop.iir"));
    assert!(has(&a, "loop.dot"));
}

#[test]
fn naive_dft_loops_and_matrix() {
    let src = "import cmath\nN = 64\nx = [1.0] * N\nX = [sum(x[n] * cmath.exp(-2j * cmath.pi * k * n / N) for n in range(N)) for k in range(N)]\n";
    let a_tmp = analyze(src, &[]);
    let k = find(&a_tmp, "loop.dft");
    assert_eq!(k.flops, 8.0 * 64.0 * 64.0);
    let trig = "import math\nN = 32\nx = [1.0] * N\nre = [0.0] * N\nfor k in range(N):\n    for n in range(N):\n        re[k] += x[n] * math.cos(2 * math.pi * k * n / N)\n";
    assert!(has(&analyze(trig, &[]), "loop.dft"));
    let matrix = "import numpy as np\nN = 256\nn = np.arange(N)\nM = np.exp(-2j * np.pi * np.outer(n, n) / N)\nX = M @ np.ones(N)\n";
    assert!(has(&analyze(matrix, &[]), "idiom.dft_matrix"));
    let miss = "import math\nv = [math.cos(2 * math.pi * t / 10) for t in range(100)]\n";
    assert!(!has(&analyze(miss, &[]), "loop.dft"));
}

#[test]
fn arx_sbox_and_hash_rounds() {
    let arx = "M = 0xFFFFFFFF\ndef rotl(v, c):\n    return ((v << c) & M) | (v >> (32 - c))\ndef qr(a, b):\n    a = (a + b) & M\n    b = rotl(b ^ a, 7)\n    return a, b\na, b = 1, 2\nfor r in range(20):\n    a, b = qr(a, b)\n";
    let a_tmp = analyze(arx, &[]);
    let k = find(&a_tmp, "loop.arx_cipher");
    assert_eq!(k.category, Category::Crypto);
    let table: Vec<String> = (0..256).map(|i| format!("{}", (i * 7 + 1) % 256)).collect();
    let sbox = format!("S = [{}]\ndata = bytes(4096)\nout = bytearray(4096)\nfor i in range(4096):\n    out[i] = S[data[i] ^ 0x3C]\n", table.join(", "));
    assert!(has(&analyze(&sbox, &[]), "loop.sbox_cipher"));
    let hash = "def rotr(x, n):\n    return ((x >> n) | (x << (32 - n))) & 0xFFFFFFFF\ne, f, g = 1, 2, 3\nfor t in range(64):\n    ch = (e & f) ^ (~e & g)\n    e = (rotr(e, 6) ^ rotr(e, 11) + ch) & 0xFFFFFFFF\n";
    assert!(has(&analyze(hash, &[]), "loop.hash_compress"));
    let miss = "t = 0\nfor i in range(1000):\n    t = (t + i * 3) % 1000003\n";
    assert!(analyze(miss, &[])
        .kernels()
        .all(|k| k.category != Category::Crypto));
}

#[test]
fn activations() {
    for (expr, pat) in [
        ("np.maximum(x, 0)", "idiom.relu"),
        ("np.where(x > 0, x, 0)", "idiom.relu"),
        ("np.clip(x, 0, None)", "idiom.relu"),
        ("x * (x > 0)", "idiom.relu"),
        ("1 / (1 + np.exp(-x))", "idiom.sigmoid"),
        (
            "0.5 * x * (1 + np.tanh(0.79788 * (x + 0.044715 * x ** 3)))",
            "idiom.gelu",
        ),
    ] {
        let src = format!("import numpy as np\nx = np.ones((64, 64))\ny = {expr}\n");
        let a = analyze(&src, &[]);
        assert_eq!(find(&a, pat).category, Category::Nn, "{expr}");
    }
    let a = analyze("import numpy as np\nx = np.ones(9)\ny = np.tanh(x)\n", &[]);
    assert_eq!(find(&a, "numpy.tanh").category, Category::Nn);
    let miss = analyze(
        "import numpy as np\nx = np.ones(9)\ny = np.maximum(x, 3)\n",
        &[],
    );
    assert!(!has(&miss, "idiom.relu"));
}

#[test]
fn softmax_log_softmax_and_layer_norm() {
    let one = "import numpy as np\nx = np.ones((8, 10))\np = np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)\n";
    assert!(has(&analyze(one, &[]), "idiom.softmax"));
    let two = "import numpy as np\nx = np.ones((8, 10))\ne = np.exp(x - x.max(axis=1, keepdims=True))\np = e / e.sum(axis=1, keepdims=True)\n";
    assert!(has(&analyze(two, &[]), "idiom.softmax"));
    let logsm = "import numpy as np\nx = np.ones((8, 10))\nm = x.max(1, keepdims=True)\nl = x - m - np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))\n";
    assert!(has(&analyze(logsm, &[]), "idiom.log_softmax"));
    let ln = "import numpy as np\nx = np.ones((8, 64))\nmu = x.mean(-1, keepdims=True)\nvar = x.var(-1, keepdims=True)\ny = (x - mu) / np.sqrt(var + 1e-5)\n";
    assert!(has(&analyze(ln, &[]), "idiom.layer_norm"));
    let miss = "import numpy as np\nx = np.ones(8)\ny = (x - 1) / np.sqrt(x + 1)\n";
    assert!(!has(&analyze(miss, &[]), "idiom.layer_norm"));
}

#[test]
fn dense_and_convolution_layers() {
    let dense = "import numpy as np\nx = np.ones((32, 64))\nW = np.ones((64, 16))\nb = np.zeros(16)\ny = x @ W + b\n";
    let a = analyze(dense, &[]);
    let k = find(&a, "idiom.dense");
    assert_eq!(k.category, Category::Nn);
    assert_eq!(k.flops, 2.0 * 32.0 * 64.0 * 16.0 + 32.0 * 16.0);
    assert!(!has(&a, "numpy.add"));
    let conv = "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view\nx = np.ones((4, 3, 32, 32))\nw = np.ones((8, 3, 3, 3))\np = sliding_window_view(x, (3, 3), axis=(2, 3))\ny = np.einsum('nchwij,ocij->nohw', p, w)\n";
    let a = analyze(conv, &[]);
    let k = find(&a, "idiom.conv_einsum");
    assert_eq!(k.category, Category::Nn);
    assert_eq!(k.flops, 2.0 * 4.0 * 3.0 * 30.0 * 30.0 * 3.0 * 3.0 * 8.0);
}

#[test]
fn ciphers_split_into_helper_functions() {
    let table: Vec<String> = (0..256)
        .map(|i| format!("{}", (i * 13 + 7) % 256))
        .collect();
    let src = format!(
        "SBOX = [{}]\ndef sub(s):\n    for i in range(16):\n        s[i] = SBOX[s[i]]\ndef add_key(s, k):\n    for i in range(16):\n        s[i] ^= k[i]\ndef encrypt(s, keys):\n    for r in range(10):\n        sub(s)\n        add_key(s, keys[r])\n    return s\nkeys = [[1] * 16 for _ in range(10)]\nfor b in range(500):\n    encrypt([0] * 16, keys)\n",
        table.join(", ")
    );
    let a = analyze(&src, &[]);
    let interpreted: Vec<_> = a.kernels().filter(|k| k.py_ops.is_some()).collect();
    assert!(interpreted.len() >= 3);
    // The substitution pass alone has no xor; it is still part of the cipher.
    assert!(
        interpreted.iter().all(|k| k.category == Category::Crypto),
        "{:#?}",
        interpreted
            .iter()
            .map(|k| (&k.pattern, &k.evidence))
            .collect::<Vec<_>>()
    );
    assert!(has(&a, "loop.sbox_cipher"));
}

#[test]
fn a_fused_idiom_keeps_the_fixed_cost_of_each_of_its_calls() {
    // A row at a time: each step is a numpy call of its own, and `mean` and
    // `std` pass through numpy's Python wrappers.
    let src = "import numpy as np\nt = np.ones((1000, 64))\nfor i in range(1000):\n    r = t[i]\n    z = (r - r.mean()) / (r.std() + 1e-9)\n";
    let a = analyze(src, &[]);
    let k = find(&a, "idiom.layer_norm");
    let units = |p: &str| prescient_model::dispatch::numpy_call_units(p);
    let expected = units("numpy.mean") + units("numpy.std") + 3.0 * units("numpy.add");
    assert!(
        k.call_units >= 0.8 * expected && k.call_units <= 1.2 * expected,
        "{} against {expected}",
        k.call_units
    );
}
