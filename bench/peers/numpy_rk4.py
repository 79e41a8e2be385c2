"""The classic RK4 step shared by the numpy peers: x has shape (members, dim) (or any shape
the right-hand side takes), so every operation is vectorised over members."""


def rk4_step(rhs, x, dt, *args):
    """One classic Runge-Kutta step of dx/dt = rhs(x, *args)."""
    k1 = rhs(x, *args)
    k2 = rhs(x + 0.5 * dt * k1, *args)
    k3 = rhs(x + 0.5 * dt * k2, *args)
    k4 = rhs(x + dt * k3, *args)
    return x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
