"""A worker lost in the middle of a send, as the database sees it: the delivery was claimed
("sending") and the task never got to record the outcome. The send raises an exception that
``deliver`` does not handle (as a killed process would never return), either before the SMTP
server has the message or just after it accepted it."""

import contextlib

from notifications import delivery as delivery_module


class WorkerLost(Exception):
    pass


@contextlib.contextmanager
def lose_worker(monkeypatch, after_send):
    real_build = delivery_module.build_message

    def build(delivery):
        message = real_build(delivery)
        real_send = message.send

        def send(*args, **kwargs):
            if after_send:
                real_send(*args, **kwargs)
            raise WorkerLost(f"worker lost {'after' if after_send else 'before'} the server had the message")

        message.send = send
        return message

    with monkeypatch.context() as patch:
        patch.setattr(delivery_module, "build_message", build)
        yield
