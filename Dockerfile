# The Jaring image for a real deployment (docker-compose.yaml). Not used by `make demo`/`make test`.
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:0 requirements.txt pyproject.toml /opt/jaring/
COPY --chown=airflow:0 include /opt/jaring/include
RUN pip install --no-cache-dir -r /opt/jaring/requirements.txt \
 && pip install --no-cache-dir --no-deps -e /opt/jaring
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins
