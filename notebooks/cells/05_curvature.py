"""Notebook 5: gradients of gradients, the Hessian, and Newton's method."""

from cells._cell import code, md

CELLS = [
    md(
        r"""
        # 5. Curvature: gradients of gradients

        The gradient says which way is downhill. It does not say how far to go: that depends
        on how fast the slope itself changes, the **curvature**. In one dimension it is the
        second derivative $f''$; for a function of several parameters it is the matrix of all
        second derivatives, the **Hessian**

        $$H_{ik} = \frac{\partial^2 f}{\partial x_i\,\partial x_k}.$$

        A second derivative is the derivative of a derivative, so the engine needs gradients
        it can differentiate again. `micrograd.grad(y, x, create_graph=True)` returns
        $\partial y / \partial x$ as a `Value` whose graph records how it was computed; calling
        `grad` on it again gives the second derivative, and so on, to any order.

        This notebook computes the second derivatives of the activations of notebook 2 and
        checks them against their closed forms; draws the graph of a derivative; takes the
        Hessian of a two-parameter loss and draws its curvature; races gradient descent
        against Newton's method on it; and takes the Hessian of a tiny two-layer network from
        the notes. Every claim is checked by an `assert`.
        """
    ),
    code(
        """
        %matplotlib inline
        import math
        import random

        import matplotlib.pyplot as plt
        import numpy as np  # matplotlib's own dependency: only to hand it the 3-D surface
        from matplotlib.patches import Ellipse

        from micrograd import Value, dot, grad, no_grad
        from micrograd.gradcheck import gradgradcheck, hessian
        from micrograd.losses import binary_cross_entropy_with_logits
        from micrograd.trace import explain
        from micrograd.viz import draw_dot
        """
    ),
    md(
        r"""
        ## 1. A derivative is a Value too

        $y = x^3$ at $x = 2$: $y' = 3x^2 = 12$, $y'' = 6x = 12$, $y''' = 6$. `grad` returns a
        tuple, one gradient per input. With `create_graph=True` each is a `Value`, ready to be
        differentiated again; the last call, without it, returns a plain float, like `.grad`.
        """
    ),
    code(
        """
        x = Value(2.0, label="x")
        y = x**3
        y.label = "y"
        (dy,) = grad(y, x, create_graph=True)  # 3x²
        (d2y,) = grad(dy, x, create_graph=True)  # 6x
        (d3y,) = grad(d2y, x)  # 6
        print(f"y' = {dy.data}, y'' = {d2y.data}, y''' = {d3y}")
        assert (dy.data, d2y.data, d3y) == (12.0, 12.0, 6.0)
        assert isinstance(dy, Value) and isinstance(d3y, float)
        """
    ),
    md(
        """
        `grad` hands the gradients back rather than storing them: it leaves every `.grad` as
        it was. `backward()` still fills `.grad` with the same first derivative.
        """
    ),
    code(
        """
        assert x.grad == 0.0 and y.grad == 0.0
        y.backward()
        assert x.grad == dy.data == 12.0
        """
    ),
    md(
        r"""
        ## 2. The graph of a derivative

        What does the graph of $\partial y/\partial x$ look like? Take the sigmoid,
        $s = \sigma(x)$, at $x = 0.8$. Backward multiplies by its local derivative
        $\sigma'(x) = s\,(1 - s)$; with `create_graph=True` that product is built from `Value`
        ops, out of the node $s$ itself. The gradient nodes are labelled $\partial s/\partial
        \ldots$: the seed $\partial s/\partial s = 1$, and the result $\partial s/\partial x$.
        """
    ),
    code(
        """
        x = Value(0.8, label="x")
        s = x.sigmoid()
        s.label = "s"
        (ds,) = grad(s, x, create_graph=True)
        sigma = 1 / (1 + math.exp(-0.8))
        assert ds.label == "∂s/∂x" and ds.data == s.data * (1 - s.data)
        assert abs(ds.data - sigma * (1 - sigma)) < 1e-16
        draw_dot(ds)
        """
    ),
    md(
        r"""
        Read it left to right: $x \to s$ is the forward pass; $1 - s$ is built as
        $s \cdot (-1) + 1$; their product $s\,(1 - s)$, times the seed, is
        $\partial s/\partial x$. The node $s$ feeds the derivative **twice**, once as each
        factor of $s\,(1 - s)$: so the second derivative is a sum over two paths, which is the
        product rule. `explain` writes the chain rule out path by path:
        """
    ),
    code(
        """
        explanation = explain(ds, x)
        explanation
        """
    ),
    md(
        r"""
        Path 1 goes through the factor $s$, path 2 through $1 - s$. Each ends with
        $\partial s/\partial x = \sigma'$, so the sum is
        $(1 - s)\,\sigma' - s\,\sigma' = \sigma'\,(1 - 2s)$, that is the closed form

        $$\sigma''(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)\,\bigl(1 - 2\sigma(x)\bigr).$$
        """
    ),
    code(
        """
        closed_form = sigma * (1 - sigma) * (1 - 2 * sigma)
        (d2s,) = grad(ds, x)
        print(f"σ''(0.8): {explanation.path_count} paths add up to {explanation.total:.12f}")
        print(f"          grad of the gradient gives {d2s:.12f}")
        print(f"          the closed form gives      {closed_form:.12f}")
        assert explanation.path_count == 2
        # Path 1 reaches s straight from the product; path 2 through 1 − s = s·(−1) + 1.
        assert [len(path) for path in explanation.paths] == [3, 5]
        assert abs(explanation.total - closed_form) < 1e-16 and abs(d2s - closed_form) < 1e-16
        """
    ),
    md(
        r"""
        ## 3. The activations' second derivatives

        The same for tanh: its local derivative $1 - t^2$ uses $t = \tanh x$ twice, so

        $$\tanh''(x) = -2 \tanh(x)\,\bigl(1 - \tanh^2(x)\bigr).$$

        Now over 401 points from $-5$ to $5$, for both functions: $f$, $f'$ and $f''$ from the
        engine (one `grad` with `create_graph=True`, then one more), against the closed forms.
        """
    ),
    code(
        """
        def derivatives(f, x):
            # (f(x), f'(x), f''(x)), by the engine.
            leaf = Value(x)
            out = f(leaf)
            (slope,) = grad(out, leaf, create_graph=True)
            (curvature,) = grad(slope, leaf)
            return out.data, slope.data, curvature


        def sigmoid_second(x):
            s = 1 / (1 + math.exp(-x))
            return s * (1 - s) * (1 - 2 * s)


        def tanh_second(x):
            t = math.tanh(x)
            return -2 * t * (1 - t * t)


        xs = [-5 + 10 * i / 400 for i in range(401)]
        activations = {
            "sigmoid": (lambda v: v.sigmoid(), sigmoid_second),
            "tanh": (lambda v: v.tanh(), tanh_second),
        }
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
        for ax, (name, (f, closed_form)) in zip(axes, activations.items()):
            values = [derivatives(f, x) for x in xs]
            error = max(abs(d2 - closed_form(x)) for x, (_, _, d2) in zip(xs, values))
            print(f"{name:<8} largest |f'' − closed form| over the grid: {error:.1e}")
            assert error < 1e-15
            for k, label in enumerate(["f", "f′", "f″"]):
                ax.plot(xs, [v[k] for v in values], label=label, linestyle=["-", "--", ":"][k])
            ax.axhline(0, color="grey", linewidth=0.5)
            ax.set_title(name)
            ax.set_xlabel("x")
            ax.legend()
        fig.tight_layout()
        """
    ),
    md(
        r"""
        What to see: $f''$ is 0 where $f'$ peaks (at $x = 0$), and its sign says whether the
        slope is growing ($f'' > 0$, curving up) or shrinking ($f'' < 0$, curving down).
        Both functions bend up on the left of 0 and down on the right.

        A second, independent check: `gradgradcheck` compares the engine's second derivatives
        with central differences of its first derivatives,
        $\frac{f'(x + h) - f'(x - h)}{2h}$, and raises an error listing any disagreement.
        """
    ),
    code(
        """
        for name, (f, _) in activations.items():
            assert derivatives(f, 0.0)[2] == 0.0  # where f' peaks
            assert all(derivatives(f, x)[2] > 0 for x in xs if x < 0)  # bending up
            assert all(derivatives(f, x)[2] < 0 for x in xs if x > 0)  # bending down
            for x in [-3.0, -0.7, 0.0, 0.2, 1.5, 3.0]:
                assert gradgradcheck(f, [x], atol=1e-8, rtol=1e-6)
        print("gradgradcheck passed for", ", ".join(activations))
        """
    ),
    md(
        r"""
        ## 4. A loss of two parameters, and its Hessian

        A classifier with one input and two parameters: the probability that a point $x$ is
        of class 1 is $\sigma(w x + b)$, and the loss is the mean binary cross-entropy over
        eight points. The classes overlap (no threshold separates them), so the loss has one
        lowest point, at some finite $(w, b)$.
        """
    ),
    code(
        """
        points = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
        classes = [0, 0, 1, 0, 1, 0, 1, 1]


        def loss(w, b):
            # mean_i −[t_i log σ(w x_i + b) + (1 − t_i) log(1 − σ(w x_i + b))]
            return binary_cross_entropy_with_logits([w * x + b for x in points], classes)


        def value_at(p):
            with no_grad():
                return loss(Value(p[0]), Value(p[1])).data


        def gradient_at(p):
            w, b = Value(p[0]), Value(p[1])
            return list(grad(loss(w, b), [w, b]))


        start = [-1.0, 2.0]
        print(f"L{tuple(start)} = {value_at(start):.4f}, ∇L = {gradient_at(start)}")
        """
    ),
    md(
        r"""
        `hessian(f, inputs)` takes `grad` twice: the gradient as a graph, then the gradient
        of each of its entries. Its $2 \times 2$ result is symmetric (the mixed partials
        agree, $\frac{\partial^2 L}{\partial w\,\partial b} = \frac{\partial^2 L}{\partial
        b\,\partial w}$), and `gradgradcheck` confirms it against finite differences.
        """
    ),
    code(
        """
        H = hessian(loss, start)
        print("H at the start =", [[round(h, 6) for h in row] for row in H])
        assert abs(H[0][1] - H[1][0]) < 1e-15
        assert gradgradcheck(loss, start, atol=1e-8, rtol=1e-6)
        """
    ),
    md(
        r"""
        **Curvature in every direction.** Along a unit direction $v$, the loss curves by
        $v^\top H v$: the second derivative of $t \mapsto L(p + t v)$. The directions of
        largest and smallest curvature are the **eigenvectors** of $H$, and the curvatures
        along them its **eigenvalues**. For a symmetric $2 \times 2$ matrix
        $\begin{pmatrix} a & c \\ c & d \end{pmatrix}$ they are
        $\lambda = \frac{a + d}{2} \pm \sqrt{\left(\frac{a - d}{2}\right)^2 + c^2}$, with
        eigenvectors along $(c, \lambda - a)$. Both eigenvalues are positive here: the loss
        curves up in every direction, a bowl.
        """
    ),
    code(
        """
        def eigen(H):
            # [(λ, unit eigenvector)] of a symmetric 2 × 2 matrix [[a, c], [c, d]] with
            # c ≠ 0 (else it is diagonal: the axes are its eigenvectors), smaller λ first.
            (a, c), (_, d) = H
            assert c != 0
            mean, radius = (a + d) / 2, math.hypot((a - d) / 2, c)
            pairs = []
            for lam in (mean - radius, mean + radius):
                norm = math.hypot(c, lam - a)
                pairs.append((lam, (c / norm, (lam - a) / norm)))
            return pairs


        def second_difference(p, v, h=1e-4):
            # d²/dt² L(p + t v) at t = 0, measured: (L(p + hv) − 2 L(p) + L(p − hv)) / h².
            ahead = [p[0] + h * v[0], p[1] + h * v[1]]
            behind = [p[0] - h * v[0], p[1] - h * v[1]]
            return (value_at(ahead) - 2 * value_at(p) + value_at(behind)) / h**2


        for lam, v in eigen(H):
            measured = second_difference(start, v)
            print(f"λ = {lam:.6f} along v = ({v[0]:+.4f}, {v[1]:+.4f}); measured {measured:.6f}")
            assert abs(measured - lam) < 1e-5 and lam > 0
        (flat, _), (steep, _) = eigen(H)
        print(f"the steep direction curves {steep / flat:.0f} times as much as the flat one")
        assert 30 < steep / flat < 50
        """
    ),
    md(
        r"""
        The two curvatures differ by a factor of about 40: along one direction the bowl is
        steep, along the other almost flat. That is a long, narrow valley. On the right, the
        same loss seen from above: each ellipse is where the *local quadratic model*
        $\frac{1}{2} d^\top H d$ reaches one fixed height, drawn at a few points. Its long axis
        points along the flat direction, its short axis along the steep one.
        """
    ),
    code(
        """
        ws = [-1.5 + 4.0 * i / 60 for i in range(61)]
        bs = [-5.0 + 8.0 * j / 60 for j in range(61)]
        surface = [[value_at([w, b]) for w in ws] for b in bs]

        fig = plt.figure(figsize=(11, 4.4))
        ax3d = fig.add_subplot(1, 2, 1, projection="3d")
        grid_w = [[w for w in ws] for _ in bs]
        grid_b = [[b for _ in ws] for b in bs]
        ax3d.plot_surface(np.array(grid_w), np.array(grid_b), np.array(surface), cmap="viridis",
                          linewidth=0, alpha=0.9)
        ax3d.set_xlabel("w")
        ax3d.set_ylabel("b")
        ax3d.set_zlabel("L(w, b)")
        ax3d.view_init(elev=30, azim=-60)
        ax3d.set_title("the loss surface")

        ax = fig.add_subplot(1, 2, 2)
        ax.contour(ws, bs, surface, levels=30, cmap="viridis", linewidths=0.8)
        for p in ([-1.0, 2.0], [0.5, -1.0], [1.5, -3.5], [2.0, 0.5]):
            (small, v_small), (large, _) = eigen(hessian(loss, p))
            # ½ dᵀHd = 0.01 along each eigenvector: half-axes sqrt(0.02 / λ).
            angle = math.degrees(math.atan2(v_small[1], v_small[0]))
            width, height = 2 * math.sqrt(0.02 / small), 2 * math.sqrt(0.02 / large)
            ellipse = Ellipse(p, width, height, angle=angle, fill=False, color="crimson", lw=1.5)
            ax.add_patch(ellipse)
            ax.plot(*p, "o", color="crimson", markersize=3)
        ax.set_xlabel("w")
        ax.set_ylabel("b")
        ax.set_aspect("equal")
        ax.set_title("contours, with the local curvature (red)")
        fig.tight_layout()
        """
    ),
    md(
        r"""
        ## 5. Why Newton's method takes the steps it takes

        Near a point $p$, the loss is close to its second-order Taylor expansion, a quadratic
        in the step $d$:

        $$L(p + d) \approx L(p) + \nabla L^\top d + \tfrac{1}{2}\, d^\top H d.$$

        **Gradient descent** uses only the slope: $d = -\eta\, \nabla L$. Its step size $\eta$
        has to suit the steepest direction (on a quadratic, anything past $2/\lambda_{\max}$
        makes it overshoot and diverge), so along the flat direction it crawls.

        **Newton's method** uses the curvature too: it jumps to the bottom of the quadratic
        model, where its gradient $\nabla L + H d$ is zero:

        $$d = -H^{-1} \nabla L.$$

        In one dimension that is $d = -f'/f''$, the slope divided by the curvature: where the
        slope changes slowly the step is long, where it changes fast the step is short, and
        either way it goes to where the slope would reach 0 if it kept changing at the same
        rate. Here is one Newton
        step along $w$ alone (with $b$ held at 2): the quadratic model at $w = -1$ and its
        lowest point, where the step lands.
        """
    ),
    code(
        """
        def along_w(w):
            return loss(w, Value(2.0))


        w0 = Value(-1.0)
        (slope,) = grad(along_w(w0), w0, create_graph=True)
        (curvature,) = grad(slope, w0)
        newton_w = -1.0 - slope.data / curvature
        print(f"f' = {slope.data:.4f}, f'' = {curvature:.4f}: step −f'/f'' = {newton_w + 1:.4f}")

        line = [-3.0 + 6.0 * i / 200 for i in range(201)]
        f0 = value_at([-1.0, 2.0])


        def model(w):
            return f0 + slope.data * (w + 1) + 0.5 * curvature * (w + 1) ** 2


        # The model's lowest point is exactly where Newton's step lands.
        assert all(model(newton_w) <= model(w) for w in line)
        assert value_at([newton_w, 2.0]) < f0
        fig, ax = plt.subplots(figsize=(5.5, 3.4))
        ax.plot(line, [value_at([w, 2.0]) for w in line], label="L(w, 2)")
        ax.plot(line, [model(w) for w in line], "--", label="quadratic model at w = −1")
        ax.plot([-1.0], [f0], "ko")
        ax.plot([newton_w], [model(newton_w)], "o", color="crimson", label="Newton's step lands")
        ax.annotate("", xy=(newton_w, model(newton_w)), xytext=(-1.0, f0),
                    arrowprops={"arrowstyle": "->", "color": "crimson"})
        ax.set_ylim(0, 4)
        ax.set_xlabel("w")
        ax.legend()
        ax.set_title("one Newton step in one dimension");
        """
    ),
    md(
        r"""
        ## 6. Gradient descent against Newton's method

        Both start at $(w, b) = (-1, 2)$ and stop once the gradient is shorter than
        $10^{-8}$. Gradient descent takes steps of $\eta = 1/\lambda_{\max}$, with
        $\lambda_{\max}$ the larger curvature at the minimum: about as large as is safe.
        Newton's method solves $H d = -\nabla L$ at each step (for a $2 \times 2$ system, by
        Cramer's rule).
        """
    ),
    code(
        """
        TOLERANCE = 1e-8


        def newton_step(p):
            gw, gb = gradient_at(p)
            (a, c), (_, d) = hessian(loss, p)
            det = a * d - c * c
            # d = −H⁻¹ ∇L
            return [p[0] - (d * gw - c * gb) / det, p[1] - (a * gb - c * gw) / det]


        def run(step, p, limit=5000):
            path = [p]
            while math.hypot(*gradient_at(path[-1])) >= TOLERANCE and len(path) <= limit:
                path.append(step(path[-1]))
            return path


        newton = run(newton_step, start)
        minimum = newton[-1]
        (smallest, _), (largest, _) = eigen(hessian(loss, minimum))
        learning_rate = 1 / largest


        def gradient_step(p):
            gw, gb = gradient_at(p)
            return [p[0] - learning_rate * gw, p[1] - learning_rate * gb]


        descent = run(gradient_step, start)
        print(f"Newton's method:  {len(newton) - 1:4d} steps to (w, b) = {minimum}")
        print(f"gradient descent: {len(descent) - 1:4d} steps to (w, b) = {descent[-1]}")
        assert newton[0][0] < minimum[0] < newton[1][0]  # the first step overshoots in w
        assert len(newton) - 1 <= 6
        assert len(descent) - 1 > 100 * (len(newton) - 1)
        # A gradient under the tolerance puts a point within about tolerance / λ_min of
        # the minimum (along the flat direction): here 4e-7.
        assert math.dist(descent[-1], minimum) < TOLERANCE / smallest
        """
    ),
    md(
        r"""
        **Why so many steps?** On a quadratic bowl, gradient descent with
        $\eta = 1/\lambda_{\max}$ shrinks the error along the flat direction by a factor
        $1 - \lambda_{\min}/\lambda_{\max}$ per step, so it needs about
        $\kappa \ln(\|\nabla L_0\| / \text{tolerance})$ steps, where
        $\kappa = \lambda_{\max}/\lambda_{\min}$ is the **condition number**. That estimate
        is close to the count above.

        **Why so few?** Newton's method is exact on a quadratic. Near the minimum the loss is
        nearly a quadratic, and the error is about *squared* at every step: the number of
        correct digits doubles.
        """
    ),
    code(
        """
        kappa = largest / smallest
        estimate = kappa * math.log(math.hypot(*gradient_at(start)) / TOLERANCE)
        print(f"κ = {kappa:.1f}: about {estimate:.0f} steps expected, {len(descent) - 1} taken")
        assert 0.5 < (len(descent) - 1) / estimate < 1.5

        errors = [math.dist(p, minimum) for p in newton[:-1]]
        print("Newton's distance to the minimum, step by step:", [f"{e:.1e}" for e in errors])
        for before, after in zip(errors, errors[1:]):
            if before < 0.5:
                assert after < before**2  # quadratic convergence
        """
    ),
    code(
        """
        fig, (ax, ax_norm) = plt.subplots(1, 2, figsize=(11, 4))
        ax.contour(ws, bs, surface, levels=30, cmap="viridis", linewidths=0.8)
        ax.plot([p[0] for p in descent], [p[1] for p in descent], ".-", color="tab:blue",
                markersize=2, linewidth=1, label=f"gradient descent ({len(descent) - 1} steps)")
        ax.plot([p[0] for p in newton], [p[1] for p in newton], "o-", color="crimson",
                markersize=4, label=f"Newton's method ({len(newton) - 1} steps)")
        ax.plot(*start, "ks", label="start")
        ax.set_xlabel("w")
        ax.set_ylabel("b")
        ax.legend(loc="upper right", fontsize=8)
        ax.set_title("the paths")

        for path, name, color in [(descent, "gradient descent", "tab:blue"),
                                  (newton, "Newton's method", "crimson")]:
            norms = [math.hypot(*gradient_at(p)) for p in path]
            ax_norm.semilogy(range(len(norms)), norms, ".-", color=color, label=name)
        ax_norm.axhline(TOLERANCE, color="grey", linestyle=":", label="tolerance")
        ax_norm.set_xscale("symlog", linthresh=10)  # linear to 10, then logarithmic
        ax_norm.set_xlim(0, len(descent))
        ax_norm.set_xlabel("step")
        ax_norm.set_ylabel("|∇L|")
        ax_norm.legend()
        ax_norm.set_title("the gradient's length")
        fig.tight_layout()
        """
    ),
    md(
        r"""
        Gradient descent drops into the valley within a few steps (its step suits the steep
        direction), then creeps along the nearly flat floor for hundreds more. Newton's
        method overshoots once, past the minimum (its first quadratic model, far from the
        minimum, is a poor one), then lands on it in a handful of steps.

        The floor is the flat direction: the eigenvector of the smaller curvature. After four
        steps the gradient of gradient descent points along it (to within 5°), and keeps
        doing so all the way down.
        """
    ),
    code(
        """
        (_, floor), _ = eigen(hessian(loss, minimum))


        def angle_to_floor(p):
            # The angle between the gradient at p and the valley's floor, in degrees.
            gw, gb = gradient_at(p)
            cosine = abs(gw * floor[0] + gb * floor[1]) / math.hypot(gw, gb)
            return math.degrees(math.acos(min(1.0, cosine)))


        print(f"angle to the floor at the start {angle_to_floor(start):.0f}°, then", end=" ")
        print(", ".join(f"{angle_to_floor(p):.1f}°" for p in descent[1:6]), "…")
        assert angle_to_floor(start) > 60
        assert all(angle_to_floor(p) < 5 for p in descent[4:])
        """
    ),
    md(
        r"""
        Why then does everyone train networks with gradient descent? A network with $n$
        parameters has an $n \times n$ Hessian: computing it costs about $n$ backward passes,
        and solving with it about $n^3$ operations. And, as the next section shows, a
        network's loss is not a bowl.

        ## 7. The Hessian of the notes' two-layer network

        The network of notebook 3, made tiny: 2 inputs, 2 hidden units with
        $\sigma_1 = \tanh$, 1 output with $\sigma_2 = $ sigmoid, the squared error on one
        sample:

        $$z_1 = W_1 x + b_1,\quad a_1 = \tanh(z_1),\quad z_2 = W_2 a_1 + b_2,\quad
        \hat y = \sigma(z_2),\quad J = (\hat y - y)^2.$$

        Nine parameters, so a $9 \times 9$ Hessian.
        """
    ),
    code(
        """
        rng = random.Random(5)
        names = ["W1_00", "W1_01", "W1_10", "W1_11", "b1_0", "b1_1", "W2_00", "W2_01", "b2"]
        parameters = [rng.uniform(-1, 1) for _ in names]
        x_sample, y_sample = [0.5, -1.2], 1.0


        def J(*p):
            W1, b1, W2, b2 = [p[0:2], p[2:4]], p[4:6], p[6:8], p[8]
            a1 = [dot(W1[j], x_sample, b1[j]).tanh() for j in range(2)]
            y_hat = dot(W2, a1, b2).sigmoid()
            return (y_hat - y_sample) ** 2


        H_net = hessian(J, parameters)
        print(f"J = {J(*map(Value, parameters)).data:.6f}")
        assert max(abs(H_net[i][k] - H_net[k][i]) for i in range(9) for k in range(9)) < 1e-15
        """
    ),
    md(
        r"""
        Against finite differences, written out: column $k$ of the Hessian is the change of
        the gradient when parameter $k$ moves,
        $H_{ik} \approx \frac{g_i(p + h e_k) - g_i(p - h e_k)}{2h}$, with $g$ the gradient
        from `grad` and $h = 10^{-6}$.
        """
    ),
    code(
        """
        def gradient_of_J(p):
            leaves = [Value(v) for v in p]
            return grad(J(*leaves), leaves)


        h = 1e-6
        numeric = [[0.0] * 9 for _ in range(9)]
        for k in range(9):
            ahead, behind = list(parameters), list(parameters)
            ahead[k] += h
            behind[k] -= h
            g_ahead, g_behind = gradient_of_J(ahead), gradient_of_J(behind)
            for i in range(9):
                numeric[i][k] = (g_ahead[i] - g_behind[i]) / (ahead[k] - behind[k])
        gap = max(abs(H_net[i][k] - numeric[i][k]) for i in range(9) for k in range(9))
        largest_entry = max(abs(v) for row in H_net for v in row)
        print(f"largest |H − finite differences| = {gap:.1e} (largest entry {largest_entry:.3f})")
        assert gap < 1e-9
        assert gradgradcheck(J, parameters, atol=1e-9, rtol=1e-6)
        """
    ),
    code(
        """
        fig, ax = plt.subplots(figsize=(6.4, 5.2))
        bound = max(abs(v) for row in H_net for v in row)
        image = ax.imshow(H_net, cmap="RdBu_r", vmin=-bound, vmax=bound)
        ax.set_xticks(range(9), names, rotation=60)
        ax.set_yticks(range(9), names)
        for i in range(9):
            for k in range(9):
                dark = abs(H_net[i][k]) > 0.6 * bound
                ax.text(k, i, f"{H_net[i][k]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
        fig.colorbar(image, ax=ax)
        ax.set_title("the Hessian of J at the random start")
        fig.tight_layout()
        """
    ),
    md(
        r"""
        Look at the rows of `W1_11` and `W2_01`: the weight into hidden unit 1 and the
        weight out of it. The output depends on their *product*, roughly, and a product
        $uv$ is a saddle: it curves up along $u = v$ and down along $u = -v$. Take the
        $2 \times 2$ block of those two parameters and its eigenvalues: one is negative. Along
        that direction the loss curves **down**, measured by a second difference.
        """
    ),
    code(
        """
        i, k = names.index("W1_11"), names.index("W2_01")
        block = [[H_net[i][i], H_net[i][k]], [H_net[k][i], H_net[k][k]]]
        (lam, v), (other, _) = eigen(block)
        direction = [0.0] * 9
        direction[i], direction[k] = v
        step = 1e-3


        def J_at(p):
            with no_grad():
                return J(*map(Value, p)).data


        ahead = [p + step * d for p, d in zip(parameters, direction)]
        behind = [p - step * d for p, d in zip(parameters, direction)]
        measured = (J_at(ahead) - 2 * J_at(parameters) + J_at(behind)) / step**2
        print(f"block eigenvalues {lam:.4f} and {other:.4f}; along the first J curves by", end=" ")
        print(f"{measured:.4f}")
        assert lam < -0.1 < 0 < other
        assert abs(measured - lam) < 1e-6
        """
    ),
    md(
        r"""
        So the network's loss has directions of negative curvature: it is not convex, and
        there the pure Newton step $-H^{-1}\nabla J$ heads for the top of the local model, not
        its bottom. Methods that use curvature for networks therefore change $H$ first (add a
        multiple of the identity, or keep only a positive part of it), and most training uses
        the gradient alone.

        **What we saw.** `grad(..., create_graph=True)` makes a gradient a `Value` with a
        graph of its own: it can be drawn, explained and differentiated again. Second
        derivatives come out as the closed forms say ($\sigma'' = \sigma(1-\sigma)(1-2\sigma)$
        is the product rule on $\sigma(1 - \sigma)$). The Hessian's eigenvalues are the
        curvatures: their ratio sets how slowly gradient descent crawls, and Newton's method,
        which divides by them, converges in a few steps on a bowl.
        """
    ),
]
