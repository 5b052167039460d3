"""Notebook 1: a derivative, Value, the chain rule, drawing and stepping through backward."""

from cells._cell import code, md

CELLS = [
    md(
        """
        # 1. Value and the chain rule

        Backpropagation is the chain rule of calculus, applied to a graph of simple
        operations, one edge at a time. This notebook builds that idea up from nothing:

        1. what a derivative is, measured with a ruler (finite differences);
        2. `Value`, a number that remembers how it was computed;
        3. the chain rule on a small expression, by hand and by `backward()`;
        4. the graph drawn before and after `backward()`, and the backward pass stepped through;
        5. the classic micrograd example and its numbers;
        6. a value used twice, and why gradients are *added up*.

        Every claim below is checked by an `assert`, so running the notebook top to bottom
        tests it.
        """
    ),
    code(
        """
        %matplotlib inline
        import math

        import matplotlib.pyplot as plt

        from micrograd.engine import Value, topological_order
        from micrograd.gradcheck import numerical_grad
        from micrograd.trace import explain, trace_backward
        from micrograd.notebook import explore
        from micrograd.viz import draw_dot
        """
    ),
    md(
        """
        ## 1. A derivative, measured

        The derivative $f'(x)$ says how fast $f$ changes when $x$ moves: nudge $x$ by a
        small $h$ and see how much $f$ moves, per unit of nudge,

        $$f'(x) \\approx \\frac{f(x + h) - f(x)}{h}.$$

        Take $f(x) = 3x^2 - 4x + 5$ at $x = 3$. Calculus says $f'(x) = 6x - 4$, so the slope
        there is $14$. Watch the measured slope approach it as $h$ shrinks.
        """
    ),
    code(
        """
        def f(x):
            return 3 * x**2 - 4 * x + 5


        x = 3.0
        exact = 6 * x - 4
        for h in [0.1, 0.01, 0.001, 1e-4, 1e-6]:
            slope = (f(x + h) - f(x)) / h
            print(f"h = {h:<6g}  slope = {slope:.10f}  error = {slope - exact:.2e}")
        """
    ),
    md(
        """
        The error of this one-sided difference shrinks in step with $h$ (here it is exactly
        $3h$). The *central* difference $\\frac{f(x+h) - f(x-h)}{2h}$ looks both ways, and its
        error shrinks with $h^2$ instead; for a quadratic it is exact up to rounding. It is the
        formula `micrograd.gradcheck.numerical_grad` uses to check the gradients that
        `backward()` computes.
        """
    ),
    code(
        """
        h = 1e-6
        one_sided = (f(x + h) - f(x)) / h
        central = (f(x + h) - f(x - h)) / (2 * h)
        print(f"exact {exact}, one-sided {one_sided:.10f}, central {central:.10f}")
        assert abs(one_sided - exact) < 1e-4
        assert abs(central - exact) < 1e-7
        """
    ),
    md(
        """
        The slope is the tangent line's: it touches the curve at $x = 3$ and follows it closely
        nearby.
        """
    ),
    code(
        """
        xs = [-2 + 7 * i / 100 for i in range(101)]
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot(xs, [f(v) for v in xs], label="f(x) = 3x² − 4x + 5")
        ax.plot(xs, [f(x) + exact * (v - x) for v in xs], "--", label="tangent at x = 3, slope 14")
        ax.plot([x], [f(x)], "o", color="black")
        ax.set_ylim(-5, 60)
        ax.set_xlabel("x")
        ax.legend();
        """
    ),
    md(
        """
        ## 2. `Value`: a number that remembers where it came from

        A `Value` holds a number in `data` and a derivative in `grad` (0 until `backward()`
        fills it in). An operation on Values makes a new Value that remembers its inputs, its
        *children*, in `_prev`, and the operation's name in `_op`.

        It also stores, at the moment it is computed, the **local derivative** of its result
        with respect to each child: for $c = a \\cdot b$ these are
        $\\partial c / \\partial a = b$ and $\\partial c / \\partial b = a$. Backward only has
        to multiply these together: that is the whole engine.
        """
    ),
    code(
        """
        a = Value(2.0, label="a")
        b = Value(-3.0, label="b")
        c = a * b
        print("c             =", c)
        print("c.data        =", c.data)
        print("c._op         =", repr(c._op))
        print("c._prev       =", c._prev)
        print("c.local_grads =", c.local_grads, " # (∂c/∂a, ∂c/∂b) = (b, a)")
        assert c.data == -6.0 and c._op == "*"
        assert c._prev == (a, b)
        assert c.local_grads == (b.data, a.data)
        """
    ),
    md(
        """
        Plain numbers mix in freely, and the same Python function works on floats and on
        Values. The function $f$ from above, given a `Value`, computes the same number and
        builds a graph; `backward()` then gives its derivative, exactly 14.
        """
    ),
    code(
        """
        x_value = Value(3.0, label="x")
        y = f(x_value)
        y.backward()
        print(f"f(3) = {y.data}, df/dx by backward = {x_value.grad}")
        assert y.data == f(3.0)
        assert x_value.grad == exact
        """
    ),
    md(
        """
        ## 3. The chain rule on a small expression

        Take $L = (a \\cdot b + c) \\cdot f$ with $a = 2$, $b = -3$, $c = 10$, $f = -2$, named
        step by step: $e = a \\cdot b$, $d = e + c$, $L = d \\cdot f$. Here is its graph. Each
        rectangle is a Value (name | data | grad); each oval is the operation that made the
        Value it points to. Every `grad` is still 0: nothing has been differentiated yet.
        """
    ),
    code(
        """
        a = Value(2.0, label="a")
        b = Value(-3.0, label="b")
        c = Value(10.0, label="c")
        f_ = Value(-2.0, label="f")
        e = a * b
        e.label = "e"
        d = e + c
        d.label = "d"
        L = d * f_
        L.label = "L"
        assert L.data == -8.0
        draw_dot(L)
        """
    ),
    md(
        """
        **By hand.** Start at the top: $\\partial L / \\partial L = 1$. Going down one
        operation multiplies by its local derivative, the **chain rule**:

        $$\\frac{\\partial L}{\\partial a} = \\frac{\\partial L}{\\partial d} \\cdot
        \\frac{\\partial d}{\\partial e} \\cdot \\frac{\\partial e}{\\partial a}
        = f \\cdot 1 \\cdot b = (-2) \\cdot 1 \\cdot (-3) = 6.$$

        An addition passes the gradient through unchanged (its local derivatives are 1); a
        multiplication scales it by the *other* factor.
        """
    ),
    code(
        """
        dL_dL = 1.0
        dL_dd = dL_dL * f_.data  # L = d·f, so ∂L/∂d = f
        dL_df = dL_dL * d.data  #             ∂L/∂f = d
        dL_de = dL_dd * 1.0  # d = e + c, so ∂d/∂e = 1
        dL_dc = dL_dd * 1.0  #               ∂d/∂c = 1
        dL_da = dL_de * b.data  # e = a·b, so ∂e/∂a = b
        dL_db = dL_de * a.data  #             ∂e/∂b = a
        print(f"dL/dd = {dL_dd}, dL/df = {dL_df}, dL/de = {dL_de}, dL/dc = {dL_dc}")
        print(f"dL/da = {dL_da}, dL/db = {dL_db}")
        assert dL_da == 6.0
        """
    ),
    md(
        """
        **By `backward()`.** `trace_backward(L)` runs `L.backward()` and records what it did.
        Backward visits the nodes in reverse topological order (a node only after every node
        that uses it), and at each one adds *local derivative × the node's gradient* to each
        child's gradient. The table reads top to bottom like the hand computation above.
        """
    ),
    code(
        """
        trace = trace_backward(L)
        print(trace)
        """
    ),
    md(
        """
        The gradients backward found are the ones computed by hand, and the ones measured by
        finite differences (`numerical_grad` nudges each input in turn).
        """
    ),
    code(
        """
        by_backward = [a.grad, b.grad, c.grad, f_.grad]
        by_hand = [dL_da, dL_db, dL_dc, dL_df]
        measured = numerical_grad(lambda a, b, c, f: (a * b + c) * f, [2.0, -3.0, 10.0, -2.0])
        print("backward:", by_backward)
        print("by hand: ", by_hand)
        print("measured:", [round(g, 6) for g in measured])
        assert by_backward == by_hand
        assert (d.grad, e.grad, L.grad) == (dL_dd, dL_de, 1.0)
        assert all(abs(m - g) < 1e-6 for m, g in zip(measured, by_backward))
        # Every number the trace added to a's gradient sums to a.grad.
        added_to_a = [edge.contribution for step in trace for edge in step.edges if edge.child is a]
        assert sum(added_to_a) == a.grad
        """
    ),
    md(
        """
        **Step through it.** Each frame below is one step of the backward pass: the highlighted
        node is the one passing its gradient down, the edges carry their local derivatives, and
        a `grad ?` is a gradient not known yet. Use *next* and *previous* or the slider. (The
        buttons need a running notebook: a static viewer, such as a code-hosting site, runs
        no scripts and shows the first frame or all frames at once; the text table above has
        every step.)
        """
    ),
    code(
        """
        trace.stepper()
        """
    ),
    md(
        """
        **Touch it.** `explore(L)` shows the same graph live, driven by this notebook's kernel:
        step through backward with the buttons, click a node for its local derivatives and the
        chain rule that gives its gradient, and move a slider (one per labelled leaf) to watch
        every value and gradient follow. The kernel recomputes forward and backward on a copy
        of the graph, so `a`, `b`, `c`, `f` here keep their values. (It needs a running kernel
        and the extra `pip install 'micrograd[jupyter]'`; a static viewer shows a picture of
        the graph instead, and the stepper above has every step.)
        """
    ),
    code(
        """
        explore(L)
        """
    ),
    md(
        """
        After backward, the graph shows every gradient; `show_local_grads=True` labels each
        edge with its local derivative, so you can check any gradient by eye: it is the
        parent's gradient times the number on the edge.
        """
    ),
    code(
        """
        draw_dot(L, show_local_grads=True)
        """
    ),
    md(
        """
        `explain(L, wrt=a)` writes the chain rule for one input out in full: the sum, over
        every path from $L$ down to $a$, of the product of the local derivatives along it.
        Here there is one path.
        """
    ),
    code(
        """
        why = explain(L, wrt=a)
        assert why.path_count == 1
        assert why.total == a.grad == 6.0
        why
        """
    ),
    md(
        """
        ## 4. The classic example

        This is the example from the README of the original micrograd (2020), whose numbers
        were checked there against PyTorch. It mixes every operation: `+`, `*`, powers,
        negation, subtraction, division and ReLU. The engine reproduces its numbers:
        $g = 24.7041$, $\\partial g / \\partial a = 138.8338$ and
        $\\partial g / \\partial b = 645.5773$.
        """
    ),
    code(
        """
        def classic(a, b):
            c = a + b
            d = a * b + b**3
            c += c + 1
            c += 1 + c + (-a)
            d += d * 2 + (b + a).relu()
            d += 3 * d + (b - a).relu()
            e = c - d
            f = e**2
            g = f / 2.0
            g += 10.0 / f
            return g


        a = Value(-4.0, label="a")
        b = Value(2.0, label="b")
        g = classic(a, b)
        g.backward()
        print(f"g = {g.data:.4f}, dg/da = {a.grad:.4f}, dg/db = {b.grad:.4f}")
        print(f"the graph has {len(topological_order(g))} nodes")
        assert f"{g.data:.4f}" == "24.7041"
        assert f"{a.grad:.4f}" == "138.8338"
        assert f"{b.grad:.4f}" == "645.5773"
        """
    ),
    md(
        """
        Finite differences agree with backward here too, to about eight significant digits:
        all the measured slope lacks is precision.
        """
    ),
    code(
        """
        measured_a, measured_b = numerical_grad(classic, [-4.0, 2.0])
        print(f"measured: dg/da = {measured_a:.6f}, dg/db = {measured_b:.6f}")
        assert math.isclose(measured_a, a.grad, rel_tol=1e-7)
        assert math.isclose(measured_b, b.grad, rel_tol=1e-7)
        """
    ),
    md(
        """
        ## 5. A value used twice: gradients add up

        In $b = a + a$, the value $a$ reaches $b$ along **two** edges, and each carries a
        gradient of 1, so $\\partial b / \\partial a = 2$. One more doubling,
        $c = b + b$, makes four paths from $c$ down to $a$, and $\\partial c / \\partial a = 4$.
        The chain rule sums over paths: a gradient arriving along a second path must be
        *added* to the first, never written over it.
        """
    ),
    code(
        """
        a = Value(3.0, label="a")
        b = a + a
        b.label = "b"
        c = b + b
        c.label = "c"
        c.backward()
        print(f"c = {c.data}, dc/da = {a.grad}")
        assert a.grad == 4.0
        draw_dot(c, show_local_grads=True)
        """
    ),
    code(
        """
        why = explain(c, wrt=a)
        assert why.path_count == 4 and why.total == a.grad
        print(why)
        """
    ),
    md(
        """
        Here is backward written out in five lines, with `node._prev` and `node.local_grads`,
        the two things each Value stores. Visiting the nodes in reverse topological order means
        a node's gradient is complete before it is passed on. With `+=` it is right; change
        the `+=` to `=` and each edge *overwrites* what the previous edge brought, which is the
        classic backprop bug.
        """
    ),
    code(
        """
        def backward_by_hand(root, accumulate=True):
            order = topological_order(root)  # children first, root last
            for node in order:
                node.grad = 0.0
            root.grad = 1.0
            for node in reversed(order):
                for child, local in zip(node._prev, node.local_grads):
                    if accumulate:
                        child.grad += local * node.grad  # the chain rule, summed over edges
                    else:
                        child.grad = local * node.grad  # wrong: forgets the other paths


        backward_by_hand(c, accumulate=False)
        print("with  = :  dc/da =", a.grad)
        assert a.grad == 1.0
        backward_by_hand(c, accumulate=True)
        print("with += :  dc/da =", a.grad)
        assert a.grad == 4.0
        """
    ),
    md(
        """
        The same happens in a product: $y = x \\cdot x$ uses $x$ twice, and
        $\\partial y / \\partial x = x + x = 2x$, one $x$ per edge. The five-line loop also
        reproduces the classic example's gradients exactly: it *is* what `backward()` does.
        """
    ),
    code(
        """
        x = Value(3.0, label="x")
        y = x * x
        backward_by_hand(y)
        assert x.grad == 2 * x.data

        a = Value(-4.0, label="a")
        b = Value(2.0, label="b")
        g = classic(a, b)
        backward_by_hand(g)
        by_hand = (a.grad, b.grad)
        a.grad = b.grad = 0.0
        g.backward()
        print("five-line loop:", by_hand)
        print("g.backward():  ", (a.grad, b.grad))
        assert by_hand == (a.grad, b.grad)
        """
    ),
    md(
        """
        The other side of `+=`: the gradients of *leaves* (inputs and parameters) keep adding
        up across calls. Calling `backward()` twice adds the same gradient twice, as in
        PyTorch. That is why training loops set gradients back to zero before each backward
        pass (`model.zero_grad()`, notebook 4).
        """
    ),
    code(
        """
        x = Value(3.0, label="x")
        y = x * x
        y.backward()
        y.backward()
        print("after two backward() calls:", x.grad)
        assert x.grad == 2 * 6.0
        x.grad = 0.0
        y.backward()
        print("zeroed, then one more:     ", x.grad)
        assert x.grad == 6.0
        """
    ),
    md(
        """
        ## Summary

        - A derivative is a slope; finite differences measure it, and check backward.
        - Each operation stores its local derivatives when it runs.
        - Backward visits nodes from the output down and, along each edge, adds
          *local derivative × gradient of the node above* to the child's gradient.
        - A gradient is the sum over all paths of the products along them, which is why
          gradients are added with `+=`, and why leaves must be zeroed between passes.

        Next, notebook 2: the activation functions of neural networks and their derivatives.
        """
    ),
]
