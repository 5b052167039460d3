"""Notebook 4: the two-moons MLP trained to 100 %, three optimizers, a checkpoint."""

from cells._cell import code, md

CELLS = [
    md(
        """
        # 4. Training a classifier

        Gradients tell each parameter which way to move to lower the cost. Training is that
        one step, repeated: **forward** (predict and measure the cost), **backward** (the
        gradients), **update** (move every parameter a little against its gradient).

        This notebook trains the classic micrograd demo, a small network that learns to
        separate two interleaving half-moons, to 100 % accuracy and draws what it learned;
        compares three ways of taking the update step (SGD, SGD with momentum, Adam); and
        saves the trained network to a file and loads it back.
        """
    ),
    code(
        """
        %matplotlib inline
        import json
        import os
        import random
        import tempfile

        import matplotlib.pyplot as plt

        from micrograd import checkpoint, datasets
        from micrograd.engine import no_grad, sum_values
        from micrograd.nn import MLP
        from micrograd.optim import SGD, Adam
        from micrograd.train import batch_loss, evaluate, fit
        from micrograd.viz import plot_decision_boundary
        """
    ),
    md(
        """
        ## 1. The data

        100 points in the plane, two classes shaped like interlocking moons, with a little
        noise. No straight line separates them, so the network has to learn a curved
        boundary. The labels are $-1$ and $+1$, which is what the hinge loss below expects.
        The seed fixes the points, so every run is the same.
        """
    ),
    code(
        """
        SEED = 1337
        X, y = datasets.make_moons(n=100, noise=0.1, seed=SEED, labels="sign")
        print(f"{len(X)} points, labels {sorted(set(y))}, first point {X[0]} with label {y[0]}")
        assert len(X) == 100 and sorted(set(y)) == [-1, 1]

        fig, ax = plt.subplots(figsize=(4.5, 3.2))
        ax.scatter([p[0] for p in X], [p[1] for p in X], c=y, cmap="RdBu", s=20, edgecolors="k")
        ax.set_title("two moons");
        """
    ),
    md(
        """
        ## 2. The model and the loss

        A multi-layer perceptron `MLP(2, [16, 16, 1])`: 2 inputs, two hidden layers of 16 ReLU
        neurons, and one linear output, a *score* $s$ whose sign is the predicted class. Each
        neuron computes $\\mathrm{activation}(b + \\sum_i w_i x_i)$ with `Value`s, so the whole
        network is one big expression that `backward()` can differentiate.

        The loss is the **hinge** (max-margin) loss, $\\max(0, 1 - y\\,s)$ averaged over the
        points: zero once every point is on its right side by a margin of 1. A small L2 term,
        $10^{-4} \\sum p^2$, keeps the weights from growing without need.
        """
    ),
    code(
        """
        model = MLP(2, [16, 16, 1], rng=random.Random(SEED))
        params = model.parameters()
        print("layer sizes:", [model.nin, *model.nouts])
        print("one neuron of each layer:", [layer.neurons[0] for layer in model.layers])
        print(f"{len(params)} parameters")
        assert len(params) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
        """
    ),
    md(
        """
        ## 3. The training loop

        Here is the loop written out; every line is one idea. `optimizer.zero_grad()` matters:
        leaf gradients add up across backward passes (notebook 1), so they must start from
        zero each step. The learning rate falls from 1.0 to 0.1 over the run, big steps first
        and careful ones at the end. These are the settings of the classic demo
        (`micrograd demo` runs the same thing from the command line).
        """
    ),
    code(
        """
        steps = 100
        optimizer = SGD(params, lr=1.0)
        losses, accuracies = [], []
        for k in range(steps):
            # forward: the mean hinge loss over all 100 points, plus the L2 term
            data_loss, accuracy = batch_loss(model, X, y, loss="hinge")
            total = data_loss + sum_values([p * p for p in params]) * 1e-4
            # backward: every parameter's gradient, from zero
            optimizer.zero_grad()
            total.backward()
            # update: p ← p − lr · ∂loss/∂p
            optimizer.lr = 1.0 - 0.9 * k / steps
            optimizer.step()
            losses.append(total.data)
            accuracies.append(accuracy)
            if k % 10 == 0 or k == steps - 1:
                print(f"step {k:3d}  loss {total.data:.4f}  accuracy {accuracy:.0%}")
        """
    ),
    md(
        """
        Every point is now on its right side. `evaluate` measures the trained model on all the
        points with no graph recorded (inference only):
        """
    ),
    code(
        """
        final_loss, final_accuracy = evaluate(model, X, y, loss="hinge")
        print(f"after training: hinge loss {final_loss:.6f}, accuracy {final_accuracy:.0%}")
        assert final_accuracy == 1.0
        assert losses[-1] < losses[0] / 10
        """
    ),
    md(
        """
        **What it learned.** Colour every point of the plane by the side of 0 the model's
        score falls on: the boundary between the two colours is the curve the network drew
        between the moons.
        """
    ),
    code(
        """
        fig, ax = plt.subplots(figsize=(5, 3.6))
        plot_decision_boundary(model, X, y, ax=ax)
        ax.set_title("decision boundary after 100 steps");
        """
    ),
    md(
        """
        The loop above is what `micrograd.train.fit` runs. With the same starting weights and
        settings, `fit` reproduces the hand-written loop's losses number for number:
        """
    ),
    code(
        """
        same_start = MLP(2, [16, 16, 1], rng=random.Random(SEED))
        history = fit(
            same_start, X, y, SGD(same_start.parameters(), lr=1.0), loss="hinge",
            steps=steps, l2=1e-4, schedule=lambda k: 1.0 - 0.9 * k / steps,
        )
        assert history.loss == losses and history.accuracy == accuracies
        assert same_start.state_dict() == model.state_dict()
        print("fit() took the same 100 steps, to the last bit")
        """
    ),
    md(
        r"""
        ## 4. Three optimizers

        The update rule is where optimizers differ. With gradient $g$ of a parameter $p$:

        - **SGD**: $p \leftarrow p - \eta\, g$. A step straight downhill, of a size set by
          the learning rate $\eta$.
        - **SGD with momentum** $\mu$: $b \leftarrow \mu b + g$, $p \leftarrow p - \eta\, b$.
          The step keeps a memory of past gradients, like a ball rolling downhill: it speeds up
          along a consistent slope and damps back-and-forth zigzags.
        - **Adam**: keeps a running mean $m$ of the gradient and a running mean $v$ of its
          square, and steps by $\eta\, \hat m / (\sqrt{\hat v} + \epsilon)$ (the hats correct
          for both starting at 0). Each parameter gets its own step size, about $\eta$
          whatever the scale of its gradient.

        Same data, same starting weights, same loss (hinge, without the L2 term), 100 steps
        each, with a fixed learning rate typical for each: `fit` runs each loop.
        """
    ),
    code(
        """
        optimizers = {
            "SGD (lr 0.05)": lambda p: SGD(p, lr=0.05),
            "SGD + momentum 0.9 (lr 0.05)": lambda p: SGD(p, lr=0.05, momentum=0.9),
            "Adam (lr 0.02)": lambda p: Adam(p, lr=0.02),
        }
        histories = {}
        for name, make_optimizer in optimizers.items():
            net = MLP(2, [16, 16, 1], rng=random.Random(SEED))
            history = fit(net, X, y, make_optimizer(net.parameters()), loss="hinge", steps=100)
            histories[name] = history
            loss, accuracy = history.loss[-1], history.accuracy[-1]
            print(f"{name:<30} final loss {loss:.4f}  accuracy {accuracy:.0%}")
        """
    ),
    code(
        """
        fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(10, 3.6))
        for name, history in histories.items():
            ax_loss.plot(history.loss, label=name)
            ax_accuracy.plot(history.accuracy, label=name)
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("hinge loss")
        ax_loss.set_title("loss")
        ax_loss.legend()
        ax_accuracy.set_xlabel("step")
        ax_accuracy.set_ylabel("accuracy")
        ax_accuracy.set_title("accuracy on the training points")
        fig.tight_layout()
        """
    ),
    md(
        """
        All three start from the same loss (same weights) and go downhill. Plain SGD with
        this small, safe learning rate creeps. Momentum overshoots at first (the early bumps:
        the ball rolls past the bottom of a valley and back), then runs down fast; Adam's
        path is smoother. Both reach a loss near 0, with every point right, within the 100
        steps.
        """
    ),
    code(
        """
        sgd, momentum, adam = histories.values()
        assert sgd.loss[0] == momentum.loss[0] == adam.loss[0]
        for history in histories.values():
            assert history.loss[-1] < history.loss[0]
        assert momentum.loss[-1] < sgd.loss[-1] and adam.loss[-1] < sgd.loss[-1]
        assert momentum.accuracy[-1] == adam.accuracy[-1] == 1.0
        """
    ),
    md(
        """
        ## 5. Save, load, predict the same

        `checkpoint.save` writes the architecture and every parameter to a JSON file (here in
        a temporary folder, deleted afterwards); `checkpoint.load` builds a new network from
        it. JSON stores each float in its shortest exact form, so the loaded network's
        predictions are the same numbers, bit for bit.
        """
    ),
    code(
        """
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "moons.json")
            checkpoint.save(model, path)
            with open(path) as file:
                saved = file.read()
            loaded = checkpoint.load(path)

        document = json.loads(saved)
        names = list(document["parameters"])
        print(f"{len(saved)} characters of JSON:")
        print("format:    ", document["format"], "version", document["version"])
        print("model:     ", document["model"])
        print("parameters:", len(names), "numbers, such as")
        for name in names[:3]:
            print(f"    {name} = {document['parameters'][name]!r}")
        """
    ),
    code(
        """
        new_points = [[-1.0, 0.5], [0.5, 0.25], [2.0, -0.5], [0.0, 1.0]]
        with no_grad():
            before = [model(x).data for x in X + new_points]
            after = [loaded(x).data for x in X + new_points]
        print("scores of the new points, trained model:", [round(s, 4) for s in before[-4:]])
        print("scores of the new points, loaded model: ", [round(s, 4) for s in after[-4:]])
        assert after == before
        assert loaded.state_dict() == model.state_dict()
        assert evaluate(loaded, X, y, loss="hinge") == (final_loss, final_accuracy)
        """
    ),
    md(
        """
        ## Summary

        - Training repeats forward, backward and update; gradients are zeroed every step
          because they accumulate.
        - A 2-16-16-1 ReLU network trained with the hinge loss separates the two moons, every
          training point right.
        - The update rule matters: momentum and Adam reach a low loss far sooner than plain
          SGD at the same small learning rate.
        - A checkpoint stores the network exactly: the loaded copy predicts the same numbers.
        """
    ),
]
