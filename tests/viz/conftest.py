import pytest
from viz_synthetic import synthetic_run

from archsearch.viz import TrialPoint


@pytest.fixture
def realistic() -> list[TrialPoint]:
    """8 seeds and 40 children with lineage, as a short Petridish run would leave."""
    return synthetic_run()
