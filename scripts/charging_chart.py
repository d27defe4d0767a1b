"""Draw the depot simulation (bench/charging_sim.py) as a PNG: limit, current per site, EVs charging, waiting.

make smart-charging-chart        # installs the `charts` extra (matplotlib) and writes docs/img/
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write a file
import matplotlib.pyplot as plt

from bench.charging_sim import simulate

DEFAULT_OUTPUT = Path("docs/img/smart-charging-depot.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    output = parser.parse_args().output
    result = simulate(keep_series=True)
    hours = [sample.at / 3600 for sample in result.series]
    figure, (amps, cars) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, height_ratios=(2, 1))
    amps.step(hours, [s.depot_limit for s in result.series], where="post", color="black", label="depot limit")
    for site_id, colour in (("depot", "tab:blue"), ("hall-a", "tab:orange"), ("hall-b", "tab:green")):
        amps.plot(hours, [s.drawn[site_id] for s in result.series], color=colour, label=f"{site_id} drawn")
    amps.axhline(160, color="grey", linestyle=":", label="hall limit (each)")
    amps.set_ylabel("A on L1")
    amps.set_title(
        f"Depot of 100 stations, 24 h: limit exceeded in {result.exceeded} of {result.samples} samples"
    )
    amps.legend(loc="upper left", fontsize="small")
    cars.plot(hours, [s.charging for s in result.series], color="tab:blue", label="EVs charging")
    cars.plot(hours, [s.paused for s in result.series], color="tab:red", label="EVs paused (below 6 A)")
    cars.set_xlabel("hour of day (UTC)")
    cars.set_ylabel("EVs")
    cars.set_xticks(range(0, 25, 2))
    cars.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=80)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
