"""Notebook 3: the notes' two-layer network, backpropagated by hand and by autograd."""

from cells._cell import code, md

CELLS = [
    md(
        r"""
        # 3. A two-layer network, backpropagated by hand

        The notes work through one network in full. **Forward**, input first:

        $$z_1 = W_1 x + b_1,\qquad a_1 = \sigma_1(z_1),\qquad
        z_2 = W_2 a_1 + b_2,\qquad \hat y = \sigma_2(z_2),\qquad J = C(\hat y, y).$$

        **Backward**, last layer first, with $\odot$ the entry-by-entry product:

        $$\begin{aligned}
        \delta_2 &= \frac{\partial J}{\partial z_2} = C'(\hat y, y) \odot \sigma_2'(z_2), &
        \frac{\partial J}{\partial W_2} &= \delta_2\, a_1^\top, &
        \frac{\partial J}{\partial b_2} &= \delta_2, \\
        \delta_1 &= \frac{\partial J}{\partial z_1} = (W_2^\top \delta_2) \odot \sigma_1'(z_1), &
        \frac{\partial J}{\partial W_1} &= \delta_1\, x^\top, &
        \frac{\partial J}{\partial b_1} &= \delta_1.
        \end{aligned}$$

        Here the network has 3 inputs, 4 hidden units with $\sigma_1 = \tanh$, 2 outputs with
        $\sigma_2 = $ sigmoid, and the cost is the mean squared error
        $C(\hat y, y) = \frac{1}{2}\sum_{i=1}^{2} (\hat y_i - y_i)^2$ (the mean over the 2
        outputs). We build it from `Value`s and let autograd find every gradient; then we
        compute the six formulas above with plain Python floats and lists, and check that the
        two agree, number for number.
        """
    ),
    code(
        """
        import math
        import random

        from micrograd.engine import Value, sum_values
        from micrograd.functional import dot
        from micrograd.gradcheck import numerical_grad
        from micrograd.losses import mse
        from micrograd.trace import explain
        from micrograd.viz import draw_dot
        """
    ),
    md(
        """
        ## 1. The numbers

        Weights and biases drawn at random (with a fixed seed, so every run is the same), one
        input $x$ and its target $y$. Matrices are lists of rows: `W1[j][k]` is the weight from
        input $k$ to hidden unit $j$.
        """
    ),
    code(
        """
        n_in, n_hidden, n_out = 3, 4, 2
        rng = random.Random(5)


        def uniform(count):
            return [rng.uniform(-1, 1) for _ in range(count)]


        W1_numbers = [uniform(n_in) for _ in range(n_hidden)]  # 4 × 3
        b1_numbers = uniform(n_hidden)
        W2_numbers = [uniform(n_hidden) for _ in range(n_out)]  # 2 × 4
        b2_numbers = uniform(n_out)
        x_numbers = [0.5, -1.2, 2.0]
        y = [1.0, 0.0]
        for name, matrix in [("W1", W1_numbers), ("W2", W2_numbers)]:
            print(f"{name} =", [[round(w, 3) for w in row] for row in matrix])
        print("b1 =", [round(b, 3) for b in b1_numbers])
        print("b2 =", [round(b, 3) for b in b2_numbers])
        """
    ),
    md(
        """
        ## 2. Forward and backward with autograd

        Every weight, bias and input becomes a labelled `Value`. Each row of $W x + b$ is one
        `dot` node (the bias plus the weighted inputs, added in one step), so each unit of the
        network is a small, readable piece of the graph. The cost is written out step by step
        (error, square, total, times $\\frac{1}{2}$) and checked against the library's `mse`.
        """
    ),
    code(
        """
        def values(numbers, name):
            return [Value(v, label=f"{name}_{i}") for i, v in enumerate(numbers)]


        def matrix_values(rows, name):
            return [
                [Value(w, label=f"{name}_{j}{k}") for k, w in enumerate(row)]
                for j, row in enumerate(rows)
            ]


        W1, b1 = matrix_values(W1_numbers, "W1"), values(b1_numbers, "b1")
        W2, b2 = matrix_values(W2_numbers, "W2"), values(b2_numbers, "b2")
        x = values(x_numbers, "x")


        def labelled(value, label):
            value.label = label
            return value


        z1 = [labelled(dot(W1[j], x, b1[j]), f"z1_{j}") for j in range(n_hidden)]
        a1 = [labelled(z.tanh(), f"a1_{j}") for j, z in enumerate(z1)]
        z2 = [labelled(dot(W2[i], a1, b2[i]), f"z2_{i}") for i in range(n_out)]
        y_hat = [labelled(z.sigmoid(), f"yhat_{i}") for i, z in enumerate(z2)]
        # The cost, one labelled step at a time, so the graph reads like the formula.
        errors = [labelled(p - t, f"err_{i}") for i, (p, t) in enumerate(zip(y_hat, y))]
        squares = [labelled(e**2, f"sq_{i}") for i, e in enumerate(errors)]
        J = labelled(labelled(sum_values(squares), "total") * (1 / n_out), "J")
        assert J.data == mse(y_hat, y).data  # the library's mean squared error, to the bit
        J.backward()
        print(f"ŷ = {[round(v.data, 6) for v in y_hat]},  J = {J.data:.6f}")
        """
    ),
    md(
        """
        ## 3. The same, by hand

        **Forward** with `math` only, exactly as the equations read. It must land on the same
        numbers as the Values.
        """
    ),
    code(
        """
        def sigmoid(v):
            return 1 / (1 + math.exp(-v))


        def mat_vec(W, v, b):
            # W v + b, one row at a time.
            return [sum(w * vk for w, vk in zip(row, v)) + bj for row, bj in zip(W, b)]


        h_z1 = mat_vec(W1_numbers, x_numbers, b1_numbers)
        h_a1 = [math.tanh(z) for z in h_z1]
        h_z2 = mat_vec(W2_numbers, h_a1, b2_numbers)
        h_y_hat = [sigmoid(z) for z in h_z2]
        h_J = sum((p - t) ** 2 for p, t in zip(h_y_hat, y)) / n_out


        def largest_gap(by_hand, by_autograd):
            # The largest |difference| between two equally shaped lists (or lists of lists).
            if isinstance(by_hand[0], list):
                return max(largest_gap(h, a) for h, a in zip(by_hand, by_autograd))
            return max(abs(h - a) for h, a in zip(by_hand, by_autograd))


        def data(vs):
            return [data(v) for v in vs] if isinstance(vs, list) else vs.data


        layers = [("z1", h_z1, z1), ("a1", h_a1, a1), ("z2", h_z2, z2), ("ŷ", h_y_hat, y_hat)]
        for name, hand, auto in layers:
            gap = largest_gap(hand, data(auto))
            print(f"{name:<3} largest difference {gap:.1e}")
            assert gap < 1e-14
        assert abs(h_J - J.data) < 1e-15
        """
    ),
    md(
        r"""
        **Backward** from the six formulas. The two derivatives they need come straight from
        notebook 2: $\sigma_2'(z_2) = \hat y\,(1 - \hat y)$ for the sigmoid and
        $\sigma_1'(z_1) = 1 - a_1^2$ for tanh. The cost's derivative is
        $C'(\hat y, y)_i = \partial J / \partial \hat y_i = \frac{2}{n}(\hat y_i - y_i)$ with
        $n = 2$ outputs.
        """
    ),
    code(
        """
        dC = [2 / n_out * (p - t) for p, t in zip(h_y_hat, y)]  # C'(ŷ, y)
        sigma2_slope = [p * (1 - p) for p in h_y_hat]  # σ2'(z2)
        sigma1_slope = [1 - a**2 for a in h_a1]  # σ1'(z1)

        delta2 = [dC[i] * sigma2_slope[i] for i in range(n_out)]  # δ2 = C' ⊙ σ2'(z2)
        dW2 = [[delta2[i] * h_a1[j] for j in range(n_hidden)] for i in range(n_out)]  # δ2 a1ᵀ
        db2 = delta2  # ∂J/∂b2 = δ2

        W2_T_delta2 = [  # W2ᵀ δ2
            sum(W2_numbers[i][j] * delta2[i] for i in range(n_out)) for j in range(n_hidden)
        ]
        delta1 = [W2_T_delta2[j] * sigma1_slope[j] for j in range(n_hidden)]  # (W2ᵀ δ2) ⊙ σ1'(z1)
        dW1 = [[delta1[j] * x_numbers[k] for k in range(n_in)] for j in range(n_hidden)]  # δ1 xᵀ
        db1 = delta1  # ∂J/∂b1 = δ1

        print("δ2 =", [f"{d:+.6f}" for d in delta2])
        print("δ1 =", [f"{d:+.6f}" for d in delta1])
        """
    ),
    md(
        """
        Now every formula against autograd: $\\delta_2$ and $\\delta_1$ are the gradients of
        the $z$ nodes, the others those of the weights and biases.
        """
    ),
    code(
        """
        def grads(vs):
            return [grads(v) for v in vs] if isinstance(vs, list) else vs.grad


        checks = [
            ("δ2 = ∂J/∂z2", delta2, grads(z2)),
            ("∂J/∂W2", dW2, grads(W2)),
            ("∂J/∂b2", db2, grads(b2)),
            ("δ1 = ∂J/∂z1", delta1, grads(z1)),
            ("∂J/∂W1", dW1, grads(W1)),
            ("∂J/∂b1", db1, grads(b1)),
        ]
        for name, by_hand, by_autograd in checks:
            gap = largest_gap(by_hand, by_autograd)
            print(f"{name:<12} largest difference from autograd {gap:.1e}")
            assert gap < 1e-15, name
        """
    ),
    md(
        """
        They agree to the last bit or two of a float. A third witness, finite differences:
        nudge each of the 26 parameters in turn, measure how $J$ moves, and compare with the
        hand formulas.
        """
    ),
    code(
        """
        def cost(*parameters):
            # J as a function of the 26 weights and biases, in the order W1, b1, W2, b2.
            p = iter(parameters)
            w1 = [[next(p) for _ in range(n_in)] for _ in range(n_hidden)]
            c1 = [next(p) for _ in range(n_hidden)]
            w2 = [[next(p) for _ in range(n_hidden)] for _ in range(n_out)]
            c2 = [next(p) for _ in range(n_out)]
            hidden = [dot(w1[j], x_numbers, c1[j]).tanh() for j in range(n_hidden)]
            return mse([dot(w2[i], hidden, c2[i]).sigmoid() for i in range(n_out)], y)


        def flat(matrix):
            return [w for row in matrix for w in row]


        point = flat(W1_numbers) + b1_numbers + flat(W2_numbers) + b2_numbers
        measured = numerical_grad(cost, point)
        hand = flat(dW1) + db1 + flat(dW2) + db2
        gap = max(abs(m - h) for m, h in zip(measured, hand))
        print(f"{len(point)} parameters, largest difference from finite differences {gap:.1e}")
        assert gap < 1e-9
        """
    ),
    md(
        r"""
        ## 4. One bias, path by path

        The notes also write one gradient out as a chain of scalars:

        $$\frac{\partial J}{\partial b_1} = \frac{\partial J}{\partial z_2} \cdot W_2 \cdot
        \sigma_1'(z_1) \qquad\text{summed over every path from } J \text{ to } b_1.$$

        The bias $b_{1,0}$ of the first hidden unit reaches $J$ through **both** outputs:
        $b_{1,0} \to z_{1,0} \to a_{1,0} \to z_{2,i} \to \hat y_i \to$ the cost $J$, for
        $i = 0, 1$.
        `explain(J, wrt=b1[0])` lists both paths and the local derivative on every edge.
        """
    ),
    code(
        """
        why = explain(J, wrt=b1[0])
        why
        """
    ),
    md(
        r"""
        Now check it against the notes, path by path. On the path through output $i$, the
        edges from $J$ down to $z_{2,i}$ multiply to $\partial J / \partial z_{2,i} = \delta_{2,i}$;
        the edge $z_{2,i} \to a_{1,0}$ carries the weight $W_{2,i0}$; the edge
        $a_{1,0} \to z_{1,0}$ carries $\sigma_1'(z_{1,0})$; and the last edge, into the bias,
        carries 1. The sum over the two paths is `b1[0].grad`, which is $\delta_{1,0}$.
        """
    ),
    code(
        """
        assert why.path_count == n_out
        for path in why.paths:
            parents = [parent for parent, _ in path]
            i = next(i for i in range(n_out) if z2[i] in parents)
            locals_ = [parent.local_grads[index] for parent, index in path]
            at_z2 = parents.index(z2[i])
            dJ_dz2 = math.prod(locals_[:at_z2])
            weight, tanh_slope, into_bias = locals_[at_z2:]
            print(
                f"path through output {i}: ∂J/∂z2_{i} · W2_{i}0 · σ1'(z1_0) · 1 = "
                f"{dJ_dz2:+.6f} · {weight:+.6f} · {tanh_slope:.6f} · {into_bias:g}"
            )
            assert abs(dJ_dz2 - delta2[i]) < 1e-15
            assert weight == W2[i][0].data
            assert abs(tanh_slope - sigma1_slope[0]) < 1e-15
            assert into_bias == 1.0

        print(f"sum over paths = {why.total:+.10f}")
        print(f"b1[0].grad     = {b1[0].grad:+.10f}")
        print(f"δ1[0] by hand  = {delta1[0]:+.10f}")
        assert math.isclose(why.total, b1[0].grad, rel_tol=1e-12)
        assert math.isclose(why.total, delta1[0], rel_tol=1e-12)
        """
    ),
    md(
        r"""
        The notes' other scalar form is for a bias of the *last* layer, which reaches $J$
        along one path only:

        $$\frac{\partial J}{\partial b_2} = \frac{\partial J}{\partial \hat y} \cdot
        \frac{\partial \hat y}{\partial z_2} \cdot \frac{\partial z_2}{\partial b_2}
        = C'(\hat y, y) \cdot \sigma_2'(z_2) \cdot 1.$$
        """
    ),
    code(
        """
        why_b2 = explain(J, wrt=b2[0])
        assert why_b2.path_count == 1
        (path,) = why_b2.paths
        parents = [parent for parent, _ in path]
        locals_ = [parent.local_grads[index] for parent, index in path]
        at_y_hat = parents.index(y_hat[0])
        dJ_dy_hat = math.prod(locals_[:at_y_hat])
        dy_hat_dz2, dz2_db2 = locals_[at_y_hat:]
        print(
            f"∂J/∂ŷ_0 · ∂ŷ_0/∂z2_0 · ∂z2_0/∂b2_0 = {dJ_dy_hat:+.6f} · {dy_hat_dz2:.6f} · "
            f"{dz2_db2:g} = {why_b2.total:+.6f};  b2[0].grad = {b2[0].grad:+.6f}"
        )
        assert abs(dJ_dy_hat - dC[0]) < 1e-15
        assert abs(dy_hat_dz2 - sigma2_slope[0]) < 1e-15
        assert dz2_db2 == 1.0
        assert math.isclose(why_b2.total, b2[0].grad, rel_tol=1e-12)
        assert math.isclose(b2[0].grad, db2[0], rel_tol=1e-12)
        """
    ),
    md(
        """
        ## 5. One neuron, drawn

        The first hidden unit on its own: the dot node adds its bias and three weighted
        inputs, and tanh squashes the result. Gradients are those of $J$ (after the backward
        above), and each edge shows its local derivative: into the `dot` node, a weight's edge
        carries its input and an input's edge carries its weight.
        """
    ),
    code(
        """
        draw_dot(a1[0], show_local_grads=True)
        """
    ),
    md(
        """
        ## Summary

        - The notes' forward pass, built from Values, gives the same numbers as plain `math`.
        - The six backward formulas ($\\delta_2$, $\\partial J/\\partial W_2$,
          $\\partial J/\\partial b_2$, $\\delta_1$, $\\partial J/\\partial W_1$,
          $\\partial J/\\partial b_1$) computed by hand equal autograd's gradients, and finite
          differences confirm them.
        - A first-layer bias gets its gradient along every path through the second layer:
          $\\partial J/\\partial z_2 \\cdot W_2 \\cdot \\sigma_1'(z_1)$, summed over the paths.

        Next, notebook 4: training a network with these gradients.
        """
    ),
]
