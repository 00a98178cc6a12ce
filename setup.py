"""archsearch: neural architecture search on Ray (Petridish forward search and friends)."""

from setuptools import find_packages, setup

setup(
    name="archsearch",
    version="0.1.0",
    description="Neural architecture search on Ray: Petridish forward search, NNI-style strategies",
    packages=find_packages(include=["archsearch", "archsearch.*"]),
    python_requires=">=3.11",
    # Exact versions live in constraints.txt; torch must stay pinned there (the CPU wheel).
    install_requires=[
        "torch>=2.3",
        "ray[default]>=2.30",
        "numpy",
        "pydantic>=2",
        "PyYAML",
        "matplotlib",
        "Pillow",  # image_folder decoding (also a dependency of matplotlib)
        "scikit-learn",
        "tqdm",
        "aiohttp",  # the web view's server (also a dependency of ray[default])
        "plotly",  # the web view's plots: its bundled plotly.min.js is served, no CDN
    ],
    package_data={"archsearch.view": ["static/*"]},
    # selenium drives Debian's chromium + chromedriver in the web view's browser test
    extras_require={"dev": ["pytest", "pytest-timeout", "pytest-xdist", "hypothesis", "ruff", "selenium"]},
    entry_points={"console_scripts": ["archsearch = archsearch.cli:main"]},
)
