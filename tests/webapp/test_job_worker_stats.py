"""What a job records for monitoring: the worker, the device, stage times and failure class."""

from tests.factories import JobFactory
from webapp.jobs.models import ErrorClass, Job, Status


def test_the_monitoring_fields_are_saved_and_read_back(owner):
    job = JobFactory(
        owner=owner,
        status=Status.FAILED,
        worker_host="celery@box",
        worker_pid=4242,
        device="cuda:0",
        decode_s=0.5,
        separate_s=3.25,
        encode_s=1.5,
        store_s=0.25,
        error_class=ErrorClass.STORAGE,
        input_size=5_000_000_000,
    )

    saved = Job.objects.get(id=job.id)

    assert (saved.worker_host, saved.worker_pid, saved.device) == ("celery@box", 4242, "cuda:0")
    assert (saved.decode_s, saved.separate_s, saved.encode_s, saved.store_s) == (
        0.5,
        3.25,
        1.5,
        0.25,
    )
    assert saved.error_class == "storage"
    assert saved.input_size == 5_000_000_000


def test_a_new_job_has_no_worker_figures_yet(owner):
    saved = Job.objects.get(id=JobFactory(owner=owner).id)

    assert saved.worker_host == "" and saved.worker_pid is None and saved.device == ""
    assert saved.decode_s is None and saved.store_s is None and saved.error_class == ""
