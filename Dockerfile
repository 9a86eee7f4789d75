# The Jaring images for a real deployment (docker-compose.yaml). Not used by `make demo`/`make test`.
# Target `jaring`: Airflow with the product; every component and Celery worker runs it (the DAG and the
# package are baked in, the same everywhere).
FROM apache/airflow:3.3.2-python3.11 AS jaring
COPY --chown=airflow:0 requirements.txt pyproject.toml /opt/jaring/
COPY --chown=airflow:0 include /opt/jaring/include
RUN pip install --no-cache-dir -r /opt/jaring/requirements.txt \
 && pip install --no-cache-dir --no-deps -e /opt/jaring
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins

# Target `agencies`: the simulated agencies for a trial deployment (compose profile `agencies`), never production.
FROM jaring AS agencies
COPY --chown=airflow:0 requirements-dev.txt /opt/jaring/
COPY --chown=airflow:0 tools /opt/jaring/tools
RUN pip install --no-cache-dir -r /opt/jaring/requirements.txt -r /opt/jaring/requirements-dev.txt \
 && pip install --no-cache-dir --no-deps -e /opt/jaring/tools
