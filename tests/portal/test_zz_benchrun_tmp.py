import pytest
from io import StringIO
from django.core.management import call_command

@pytest.mark.django_db
def test_run():
    out = StringIO()
    call_command("bench", scale=1.0, repeat=10, warmup=2, stdout=out)
    print(out.getvalue())
