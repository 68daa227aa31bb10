#!/usr/bin/env python3
"""
Offline oracles for the f64 reference (issue 8, item 8). Reads tests/oracles/inputs.json (the compiled
presets, written by exportInputs.ts) and writes the fixtures the Vitest suite tests/oracles/oracles.test.ts
compares against. CI reads only the committed JSON; Python (numpy, scipy, POT) is needed only to
regenerate. See README.md in this folder.

Fixtures:
  sinkhorn.json     entropic OT plans and costs from POT (ot.sinkhorn / ot.sinkhorn2, log domain)
  otTrustRegion.json the discrete OT trust-region LP of ALGORITHMS.md §5 solved by scipy.optimize.linprog
  softValues.json   soft (and plain) optimal values by soft policy iteration with numpy.linalg.solve
  gibbsBandits.json the Gibbs density of the three 1-D bandit presets by scipy.integrate.quad
"""
import json
import math
import os

import numpy as np
import ot
import scipy
from scipy.integrate import quad
from scipy.optimize import linprog

HERE = os.path.dirname(os.path.abspath(__file__))
VERSIONS = {"numpy": np.__version__, "scipy": scipy.__version__, "pot": ot.__version__}


def write(name, payload):
    payload = {"generator": "tests/oracles/generate.py", "versions": VERSIONS, **payload}
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(payload, f, indent=None, separators=(",", ":"))
    print("wrote", name)


def dense(m):
    """P as a dense (S*N) x S matrix (terminated mass left out), r as (S, N)."""
    S, N = m["S"], m["N"]
    P = np.zeros((S * N, S))
    rp, nx, pr = m["rowPtr"], m["next"], m["prob"]
    for sj in range(S * N):
        for e in range(rp[sj], rp[sj + 1]):
            P[sj, nx[e]] += pr[e]
    return P, np.array(m["reward"]).reshape(S, N)


def evaluate(m, P, r, pi, gamma, tau):
    """Exact V, Q and normalised occupancy of pi (regularised with tau)."""
    S, N = m["S"], m["N"]
    mu = np.array(m["mu"])
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(pi > 0, pi * np.log(pi / mu), 0.0).sum(axis=1)
    c = (pi * r).sum(axis=1) - tau * kl
    Ppi = np.einsum("sj,sjt->st", pi, P.reshape(S, N, S))
    A = np.eye(S) - gamma * Ppi
    V = np.linalg.solve(A, c)
    Q = r + gamma * (P @ V).reshape(S, N)
    d = np.linalg.solve(A.T, (1 - gamma) * np.array(m["rho0"]))
    return V, Q, d / d.sum()


def soft_policy_iteration(m, P, r, gamma, tau):
    """Soft PI (tau > 0) or PI (tau = 0) from the uniform policy, each evaluation an exact linear solve."""
    S, N = m["S"], m["N"]
    mu = np.array(m["mu"])
    pi = np.full((S, N), 1.0 / N)
    V_old = None
    for it in range(1000):
        V, Q, _ = evaluate(m, P, r, pi, gamma, tau)
        if tau > 0:
            z = np.log(mu)[None, :] + Q / tau
            z -= z.max(axis=1, keepdims=True)
            new = np.exp(z)
            new /= new.sum(axis=1, keepdims=True)
        else:
            new = np.zeros_like(pi)
            best = Q.max(axis=1, keepdims=True)
            ties = Q >= best - 1e-12 * np.maximum(1, np.abs(best))
            first = ties.argmax(axis=1)
            new[np.arange(S), first] = 1.0
        if V_old is not None and np.max(np.abs(V - V_old)) <= 1e-15 * max(1.0, np.max(np.abs(V))):
            break
        V_old = V
        pi = new
    # Bellman optimality residual of V
    Qv = r + gamma * (P @ V).reshape(S, N)
    if tau > 0:
        mx = Qv.max(axis=1)
        TV = mx + tau * np.log((mu[None, :] * np.exp((Qv - mx[:, None]) / tau)).sum(axis=1))
    else:
        TV = Qv.max(axis=1)
    return V, pi, it, float(np.max(np.abs(V - TV)))


def soft_values(inputs):
    cases = []
    for key, taus in [
        ("frozenlake-4x4", [0.0, 0.1, 1.0]),
        ("cliffwalking", [0.0, 0.1, 1.0]),
        ("taxi", [0.1]),
        ("chain", [0.0, 0.2]),
        ("gridworld", [0.05]),
    ]:
        m = inputs[key]
        P, r = dense(m)
        for tau in taus:
            V, pi, its, res = soft_policy_iteration(m, P, r, m["gamma"], tau)
            J = float(np.dot(m["rho0"], V))
            cases.append({"key": key, "fingerprint": m["fingerprint"], "gamma": m["gamma"], "tau": tau, "V": V.tolist(),
                          "J": J, "iterations": its, "bellmanResidual": res})
            print(f"  soft values {key} tau={tau}: J* = {J:.15g}, {its} PI steps, residual {res:.1e}")
    write("softValues.json", {"method": "soft policy iteration, numpy.linalg.solve", "cases": cases})


def sinkhorn_cases():
    rng = np.random.default_rng(20261201)
    cases = []

    def add(name, a, b, C, eps):
        P = ot.sinkhorn(a, b, C, eps, method="sinkhorn_log", numItermax=1_000_000, stopThr=1e-15)
        cost = float(ot.sinkhorn2(a, b, C, eps, method="sinkhorn_log", numItermax=1_000_000, stopThr=1e-15))
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = float(np.where(P > 0, P * (np.log(P) - 1), 0).sum())
        err = float(np.abs(P.sum(axis=1) - a).sum() + np.abs(P.sum(axis=0) - b).sum())
        cases.append({"name": name, "n": len(a), "m": len(b), "eps": eps, "a": a.tolist(), "b": b.tolist(),
                      "C": C.ravel().tolist(), "plan": P.ravel().tolist(), "cost": cost, "value": cost + eps * ent,
                      "marginalError": err})
        print(f"  sinkhorn {name} eps={eps}: cost {cost:.12g}, marginal error {err:.1e}")

    for (n, m, eps) in [(5, 7, 0.1), (5, 7, 0.01), (20, 20, 0.05), (20, 20, 0.005)]:
        a = rng.random(n) + 0.05
        b = rng.random(m) + 0.05
        C = rng.random((n, m))
        add(f"random {n}x{m}", a / a.sum(), b / b.sum(), C, eps)
    x = -1 + (np.arange(64) + 0.5) * (2 / 64)
    C = (x[:, None] - x[None, :]) ** 2
    a = np.full(64, 1 / 64)
    b = np.exp(-((x - 0.3) ** 2) / 0.05)
    b /= b.sum()
    for eps in [0.05, 0.01]:
        add("grid 64, |x-y|^2, uniform to Gibbs", a, b, C, eps)
    write("sinkhorn.json", {"method": "ot.sinkhorn / ot.sinkhorn2, method='sinkhorn_log', stopThr 1e-15", "cases": cases})


def lp_step(rho, pi, A, C, eps):
    """max sum_s rho(s) sum_jk T(s,j,k) A(s,k)  s.t.  sum_k T(s,j,k) = pi(j|s),  sum_s rho(s) sum_jk T c(j,k) <= eps."""
    S, N = pi.shape
    nv = S * N * N
    obj = -(rho[:, None, None] * np.broadcast_to(A[:, None, :], (S, N, N))).ravel()
    Aeq = scipy.sparse.lil_matrix((S * N, nv))
    for s in range(S):
        for j in range(N):
            base = (s * N + j) * N
            Aeq[s * N + j, base:base + N] = 1.0
    Aub = (rho[:, None, None] * np.broadcast_to(C[None, :, :], (S, N, N))).ravel()[None, :]
    res = linprog(obj, A_ub=Aub, b_ub=[eps], A_eq=Aeq.tocsr(), b_eq=pi.ravel(), bounds=(0, None), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, res.message
    return float(-res.fun), float(res.ineqlin.marginals[0] * -1)


def ot_trust_region(inputs):
    rng = np.random.default_rng(8)
    cases = []
    for trial in range(6):
        S, N = [(1, 3), (2, 4), (3, 5), (4, 6), (3, 8), (5, 4)][trial]
        rho = rng.random(S) + 0.1
        rho /= rho.sum()
        pi = rng.random((S, N)) + 0.05
        pi /= pi.sum(axis=1, keepdims=True)
        A = rng.normal(size=(S, N))
        pos = rng.random((N, 2))
        C = ((pos[:, None, :] - pos[None, :, :]) ** 2).sum(axis=2)
        for eps in [0.02, 0.2]:
            val, lam = lp_step(rho, pi, A, C, eps)
            cases.append({"name": f"random S={S} N={N}", "S": S, "N": N, "eps": eps, "rho": rho.tolist(), "policy": pi.ravel().tolist(),
                          "advantage": A.ravel().tolist(), "cost": C.ravel().tolist(), "value": val, "lambda": lam})
            print(f"  OT LP random S={S} N={N} eps={eps}: value {val:.12g}, lambda {lam:.6g}")
    # presets at the uniform policy: exact advantage (tau = 0) and rho = normalised occupancy from numpy
    for key, eps_list in [("frozenlake-4x4", [0.05, 0.5]), ("cliffwalking", [0.1, 1.0])]:
        m = inputs[key]
        P, r = dense(m)
        S, N = m["S"], m["N"]
        pi = np.full((S, N), 1.0 / N)
        V, Q, d = evaluate(m, P, r, pi, m["gamma"], 0.0)
        A = Q - V[:, None]
        C = np.array(m["cost"]).reshape(N, N)
        for eps in eps_list:
            val, lam = lp_step(d, pi, A, C, eps)
            cases.append({"name": f"{key} at the uniform policy", "key": key, "fingerprint": m["fingerprint"], "S": S, "N": N, "eps": eps,
                          "rho": d.tolist(), "policy": pi.ravel().tolist(), "advantage": A.ravel().tolist(), "cost": C.ravel().tolist(),
                          "value": val, "lambda": lam})
            print(f"  OT LP {key} eps={eps}: value {val:.12g}, lambda {lam:.6g}")
    write("otTrustRegion.json", {"method": "scipy.optimize.linprog (HiGHS) on the trust-region LP of ALGORITHMS.md §5", "cases": cases})


BANDITS = {
    "bandit-quadratic": lambda a: -(a - 0.3) ** 2,
    "bandit-bimodal": lambda a: math.exp(-(a + 0.5) ** 2 / 0.02) + 0.8 * math.exp(-(a - 0.5) ** 2 / 0.02),
    "bandit-cosine": lambda a: math.cos(6 * a),
}


def gibbs_bandits():
    """Continuous Gibbs density p(a) = exp(r(a)/tau) / Z on [-1, 1] (mu uniform): V = tau log(Z / 2),
    mean, variance, and the cell masses of n equal cells (integrals of p over each cell)."""
    cases = []
    for pid, r in BANDITS.items():
        for tau in [0.05, 0.2, 1.0]:
            rmax = max(r(a) for a in np.linspace(-1, 1, 20001))
            f = lambda a: math.exp((r(a) - rmax) / tau)
            pts = list(np.linspace(-1, 1, 41))
            Z = quad(f, -1, 1, points=pts, limit=500, epsabs=1e-16, epsrel=2e-14)[0]
            mean = quad(lambda a: a * f(a), -1, 1, points=pts, limit=500, epsabs=1e-14, epsrel=2e-14)[0] / Z
            var = quad(lambda a: (a - mean) ** 2 * f(a), -1, 1, points=pts, limit=500, epsabs=1e-16, epsrel=2e-14)[0] / Z
            V = rmax + tau * math.log(Z / 2)
            cells = {}
            for n in [64, 256]:
                edges = np.linspace(-1, 1, n + 1)
                cells[str(n)] = [quad(f, edges[i], edges[i + 1], epsabs=1e-18, epsrel=1e-13)[0] / Z for i in range(n)]
            cases.append({"preset": pid, "tau": tau, "V": V, "mean": mean, "variance": var, "cellMasses": cells})
            print(f"  Gibbs {pid} tau={tau}: V {V:.14g}, mean {mean:.12g}, variance {var:.12g}")
    write("gibbsBandits.json", {"method": "scipy.integrate.quad, epsrel 2e-14 (cells 1e-13)", "cases": cases})


def main():
    with open(os.path.join(HERE, "inputs.json")) as f:
        inputs = json.load(f)
    soft_values(inputs)
    sinkhorn_cases()
    ot_trust_region(inputs)
    gibbs_bandits()


if __name__ == "__main__":
    main()
