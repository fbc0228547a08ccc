"""Fixtures: one simulator subprocess and one webhook receiver for the whole folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi

from linesim.client import SimClient
from linesim.process import SimulatorProcess, start_simulator_process
from tests.linesim.support import SECRET, TOKEN, Receiver, start_receiver


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    state, server = start_receiver()
    yield state
    server.shutdown()


@pytest.fixture(scope="session")
def sim_process(receiver: Receiver) -> Iterator[SimulatorProcess]:
    handle = start_simulator_process(
        webhook_url=receiver.url, channel_secret=SECRET, access_token=TOKEN
    )
    receiver.sim_url = handle.url
    yield handle
    handle.stop()


@pytest.fixture
def sim(sim_process: SimulatorProcess, receiver: Receiver) -> SimulatorProcess:
    """The shared simulator, reset before each test."""
    sim_process.client.reset()
    receiver.reset()
    return sim_process


@pytest.fixture
def client(sim: SimulatorProcess) -> SimClient:
    return sim.client


@pytest.fixture
def api(sim: SimulatorProcess) -> Iterator[MessagingApi]:
    """The SDK's own sync client, pointed at the simulator."""
    with ApiClient(Configuration(host=sim.url, access_token=TOKEN)) as api_client:
        yield MessagingApi(api_client)
