"""Notebook 2: sigmoid, ReLU, leaky ReLU, tanh and softmax, against the notes' formulas."""

from cells._cell import code, md

CELLS = [
    md(
        r"""
        # 2. Activation functions and their derivatives

        A neuron adds up its weighted inputs, then passes the sum through an **activation
        function**. Without one, a stack of layers would collapse into a single linear map.
        Backpropagation needs each activation's derivative; the notes give them in closed
        form:

        | name | $f(x)$ | $f'(x)$ |
        |---|---|---|
        | sigmoid | $\dfrac{1}{1 + e^{-x}}$ | $\dfrac{e^{-x}}{(1 + e^{-x})^2} = f(x)\,(1 - f(x))$ |
        | ReLU | $x$ if $x > 0$ else $0$ | $1$ if $x > 0$ else $0$ |
        | leaky ReLU | $x$ if $x > 0$ else $0.01\,x$ | $1$ if $x > 0$ else $0.01$ |
        | tanh | $\dfrac{e^x - e^{-x}}{e^x + e^{-x}}$ | $1 - f(x)^2$ |

        This notebook plots each function with the derivative autograd computes, then checks
        autograd against every formula in the table, and finally does the same for softmax,
        whose derivative is a whole matrix.
        """
    ),
    code(
        """
        %matplotlib inline
        import math

        import matplotlib.pyplot as plt

        from micrograd.engine import Value
        from micrograd.functional import softmax
        from micrograd.gradcheck import gradcheck, jacobian, numerical_grad
        from micrograd.viz import draw_dot, plot_function
        """
    ),
    md(
        """
        ## 1. Each function and its derivative

        Each activation is one method of `Value`. `plot_function` evaluates it at many points
        and, at each, runs `backward()` to get the derivative: the solid line is $f$, the
        dashed one is $f'$ as autograd computes it.
        """
    ),
    code(
        """
        def sigmoid(x):
            return x.sigmoid()


        def relu(x):
            return x.relu()


        def leaky_relu(x):
            return x.leaky_relu()  # slope 0.01 below zero, as in the notes


        def tanh(x):
            return x.tanh()


        activations = [sigmoid, relu, leaky_relu, tanh]
        xs = [-4 + 8 * i / 400 for i in range(401)]  # from -4 to 4, with 0 exactly
        fig, axes = plt.subplots(2, 2, figsize=(9, 6), sharex=True)
        for ax, activation in zip(axes.flat, activations):
            plot_function(activation, xs, ax=ax)
            ax.set_title(activation.__name__)
        fig.tight_layout()
        """
    ),
    md(
        """
        What to see: sigmoid squashes any number into $(0, 1)$ and tanh into $(-1, 1)$; their
        slopes are largest at 0 and fade to nothing far from it. ReLU's slope is a step from 0
        to 1; leaky ReLU's steps from 0.01 to 1 (its 0.01 is too small to see here), so a
        negative input still passes on a little gradient.

        ## 2. Autograd against the formulas

        Now the check. The formulas of the table, written with nothing but `math`, on one side;
        on the other, the value and derivative from the engine: one fresh `Value`, the
        activation, `backward()`, then `x.grad`.
        """
    ),
    code(
        """
        def by_autograd(activation, x):
            # (f(x), f'(x)) computed by the engine.
            leaf = Value(x)
            out = activation(leaf)
            out.backward()
            return out.data, leaf.grad


        def sigmoid_formula(x):
            return 1 / (1 + math.exp(-x))


        def tanh_formula(x):
            return (math.exp(x) - math.exp(-x)) / (math.exp(x) + math.exp(-x))


        # For each activation: f(x) and the notes' formulas for f'(x).
        formulas = {
            sigmoid: (
                sigmoid_formula,
                {
                    "f(1 − f)": lambda x: sigmoid_formula(x) * (1 - sigmoid_formula(x)),
                    "e^(−x) / (1 + e^(−x))²": lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2,
                },
            ),
            relu: (
                lambda x: x if x > 0 else 0.0,
                {"1 if x > 0 else 0": lambda x: 1.0 if x > 0 else 0.0},
            ),
            leaky_relu: (
                lambda x: x if x > 0 else 0.01 * x,
                {"1 if x > 0 else 0.01": lambda x: 1.0 if x > 0 else 0.01},
            ),
            tanh: (
                tanh_formula,
                {"1 − f²": lambda x: 1 - tanh_formula(x) ** 2},
            ),
        }

        row = "{:<11} {:>14}   {:<24} {:>14}"
        print(row.format("function", "max |f error|", "formula for f′", "max |f′ error|"))
        worst = {}
        for activation, (f_formula, slope_formulas) in formulas.items():
            points = [by_autograd(activation, x) for x in xs]
            f_error = max(abs(f - f_formula(x)) for x, (f, _) in zip(xs, points))
            for name, slope_formula in slope_formulas.items():
                slope_error = max(abs(s - slope_formula(x)) for x, (_, s) in zip(xs, points))
                worst[activation.__name__, name] = (f_error, slope_error)
                print(row.format(activation.__name__, f"{f_error:.2e}", name, f"{slope_error:.2e}"))
        """
    ),
    md(
        """
        The smooth functions agree with their formulas to the last digit or two a float can
        hold (errors of order $10^{-16}$, the size of rounding); the piecewise ones agree
        exactly, including at $x = 0$, where the engine (like PyTorch) takes the slope from
        the left: 0 for ReLU, 0.01 for leaky ReLU.
        """
    ),
    code(
        """
        for (function, formula), (f_error, slope_error) in worst.items():
            if function in ("relu", "leaky_relu"):
                assert f_error == 0.0 and slope_error == 0.0, (function, formula)
            else:
                assert f_error < 1e-14 and slope_error < 1e-14, (function, formula)
        assert by_autograd(relu, 0.0) == (0.0, 0.0)
        assert by_autograd(leaky_relu, 0.0) == (0.0, 0.01)
        """
    ),
    md(
        """
        A third, independent witness: finite differences. `gradcheck` compares backward's
        derivative with the measured slope $\\frac{f(x+h) - f(x-h)}{2h}$ and raises an error
        listing every disagreement. (ReLU and leaky ReLU are checked away from 0: their kink
        has no slope to measure.)
        """
    ),
    code(
        """
        for activation in activations:
            for x in [-3.0, -0.7, 0.2, 1.5, 3.0]:
                assert gradcheck(activation, [x], atol=1e-8, rtol=1e-6)
        print("gradcheck passed for", ", ".join(a.__name__ for a in activations))
        """
    ),
    md(
        """
        **Why the peak slopes matter.** Sigmoid's derivative is at most $\\frac14$ (at 0, where
        $f = \\frac12$); tanh's is at most 1. Backpropagation multiplies one such factor per
        layer, so through many sigmoid layers the gradient picks up a factor of at most
        $\\frac14$ per layer (times the weights) and tends to fade away: the *vanishing
        gradient*. ReLU's slope is exactly 1 wherever it is active.
        """
    ),
    code(
        """
        sigmoid_peak = by_autograd(sigmoid, 0.0)
        tanh_peak = by_autograd(tanh, 0.0)
        print("sigmoid at 0: f, f′ =", sigmoid_peak)
        print("tanh at 0:    f, f′ =", tanh_peak)
        assert sigmoid_peak == (0.5, 0.25) and tanh_peak == (0.0, 1.0)
        assert max(by_autograd(sigmoid, x)[1] for x in xs) == 0.25
        assert max(by_autograd(tanh, x)[1] for x in xs) == 1.0
        """
    ),
    md(
        r"""
        ## 3. Softmax

        Softmax turns a vector of $n$ scores into $n$ probabilities, positive and summing to 1:

        $$\sigma(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}.$$

        `micrograd.functional.softmax` takes a list and returns a list of Values. It is not a
        new operation: it is built from `exp`, a sum and a division, so autograd
        differentiates it with no extra code. (It first subtracts the largest $x_j$ from every
        score, which changes nothing in the result but keeps every $e^{x}$ at most 1.)
        """
    ),
    code(
        """
        x = [2.0, 1.0, 0.1, -1.0]
        probabilities = softmax([Value(v) for v in x])
        sigma = [p.data for p in probabilities]
        total = sum(math.exp(v) for v in x)
        by_formula = [math.exp(v) / total for v in x]
        print("softmax(x)  =", [round(s, 6) for s in sigma])
        print("the formula =", [round(s, 6) for s in by_formula])
        assert max(abs(s - t) for s, t in zip(sigma, by_formula)) < 1e-15
        assert abs(sum(sigma) - 1.0) < 1e-15
        """
    ),
    md(
        """
        The graph of one output, $\\sigma_0$, for three scores, shows what it is made of: the
        shift by the largest score, one `exp` per score, their `sum`, and a multiplication by
        the sum to the power $-1$ (a division).
        """
    ),
    code(
        """
        scores = [Value(v, label=f"x{i}") for i, v in enumerate([2.0, 1.0, 0.1])]
        draw_dot(softmax(scores)[0], show_grad=False)
        """
    ),
    md(
        r"""
        ## 4. The softmax Jacobian

        Each output $\sigma_i$ depends on every input $x_k$, so the derivative is an
        $n \times n$ matrix, the **Jacobian** $J_{ik} = \partial \sigma_i / \partial x_k$. The
        notes derive it case by case:

        $$\frac{\partial \sigma_i}{\partial x_k} =
        \begin{cases} \sigma_i (1 - \sigma_i) & i = k \\ -\sigma_i \sigma_k & i \ne k
        \end{cases}
        \qquad\text{that is}\qquad J = \operatorname{diag}(\sigma) - \sigma \sigma^\top.$$

        `gradcheck.jacobian` computes it with autograd: one `backward()` per output $\sigma_i$
        gives row $i$.
        """
    ),
    code(
        """
        J = jacobian(lambda *values: softmax(list(values)), x)
        n = len(x)


        def show(matrix):
            for row in matrix:
                print("  ".join(f"{entry:+.6f}" for entry in row))


        print("J by autograd:")
        show(J)
        """
    ),
    md(
        """
        Entry by entry against the notes' two cases, then as a whole matrix
        $\\operatorname{diag}(\\sigma) - \\sigma\\sigma^\\top$, written with plain lists:
        """
    ),
    code(
        """
        for i in range(n):
            for k in range(n):
                if i == k:
                    by_notes = sigma[i] * (1 - sigma[i])
                else:
                    by_notes = -sigma[i] * sigma[k]
                assert abs(J[i][k] - by_notes) < 1e-15, (i, k, J[i][k], by_notes)

        diag_sigma = [[sigma[i] if i == k else 0.0 for k in range(n)] for i in range(n)]
        outer = [[sigma[i] * sigma[k] for k in range(n)] for i in range(n)]
        matrix_form = [[diag_sigma[i][k] - outer[i][k] for k in range(n)] for i in range(n)]
        print("diag(σ) − σσᵀ:")
        show(matrix_form)
        largest_gap = max(abs(J[i][k] - matrix_form[i][k]) for i in range(n) for k in range(n))
        print(f"largest difference from autograd: {largest_gap:.1e}")
        assert largest_gap < 1e-15
        """
    ),
    md(
        """
        Two properties to read off the matrix, both checked: it is **symmetric**
        ($J_{ik} = J_{ki} = -\\sigma_i\\sigma_k$), and every **row sums to 0**, because the
        outputs always sum to 1: raising one score can only move probability from the other
        outputs, never create it. The diagonal is positive (raising $x_i$ raises $\\sigma_i$),
        everything else negative.
        """
    ),
    code(
        """
        assert all(abs(J[i][k] - J[k][i]) < 1e-15 for i in range(n) for k in range(n))
        assert all(abs(sum(row)) < 1e-15 for row in J)
        assert all((J[i][k] > 0) == (i == k) for i in range(n) for k in range(n))

        fig, ax = plt.subplots(figsize=(3.6, 3))
        image = ax.imshow(J, cmap="RdBu", vmin=-0.25, vmax=0.25)
        ax.set_xticks(range(n))  # one tick per input and output: indices are whole numbers
        ax.set_yticks(range(n))
        ax.set_xlabel("input k")
        ax.set_ylabel("output i")
        ax.set_title("∂σᵢ/∂xₖ")
        for i in range(n):
            for k in range(n):
                ink = "white" if abs(J[i][k]) > 0.12 else "black"  # readable on dark cells
                ax.text(k, i, f"{J[i][k]:+.3f}", ha="center", va="center", fontsize=8, color=ink)
        fig.colorbar(image)
        assert [t.get_text() for t in ax.get_xticklabels()] == [str(k) for k in range(n)]
        assert [t.get_text() for t in ax.get_yticklabels()] == [str(i) for i in range(n)]
        """
    ),
    md(
        """
        And the measured Jacobian, one row per output by finite differences, agrees too:
        """
    ),
    code(
        """
        for i in range(n):
            measured = numerical_grad(lambda *values: softmax(list(values))[i], x)
            assert all(abs(m - j) < 1e-9 for m, j in zip(measured, J[i]))
        print("finite differences agree with every row")
        """
    ),
    md(
        r"""
        **Where this leads.** With a cross-entropy cost $C = -\log \sigma_t$ for the true class
        $t$, the chain rule through this Jacobian collapses to a famously simple gradient:
        $\partial C / \partial x_k = \sigma_k - [k = t]$, the predicted probabilities minus
        the one-hot target. Autograd finds it without being told:
        """
    ),
    code(
        """
        target = 1
        leaves = [Value(v) for v in x]
        cost = -softmax(leaves)[target].log()
        cost.backward()
        expected = [sigma[k] - (1.0 if k == target else 0.0) for k in range(n)]
        print("∂C/∂x by autograd: ", [round(leaf.grad, 6) for leaf in leaves])
        print("σ − one-hot target:", [round(e, 6) for e in expected])
        assert all(abs(leaf.grad - e) < 1e-15 for leaf, e in zip(leaves, expected))
        """
    ),
    md(
        """
        ## Summary

        - Autograd's derivatives of sigmoid, ReLU, leaky ReLU and tanh equal the closed forms
          of the notes, to rounding, and finite differences confirm them.
        - Sigmoid's slope is at most ¼, tanh's at most 1: gradients shrink through saturated
          layers.
        - Softmax is composed from simpler operations, and its Jacobian by autograd is
          $\\operatorname{diag}(\\sigma) - \\sigma\\sigma^\\top$, entry by entry.

        Next, notebook 3: the two-layer network of the notes, backpropagated by hand.
        """
    ),
]
