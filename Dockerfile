# Residual Lab in one container: `docker build -t residual-lab . && docker run -p 8501:8501 residual-lab`.
# One container is one Streamlit process (one GIL): see docs/deploy.md "Running several replicas" for more students.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# CPU-only PyTorch from PyTorch's CPU wheel index (about 190 MB, instead of the CUDA build PyPI resolves to).
# The version is requirements.txt's pin; `torch==2.13.0` there is satisfied by this `2.13.0+cpu` build.
COPY requirements.txt .
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==$(sed -n 's/^torch==//p' requirements.txt)+cpu" \
    && pip install -r requirements.txt

# A user without privileges runs the app; the code belongs to root and is read-only for it.
RUN useradd --create-home --uid 10001 lab
COPY --chown=root:root . .
USER lab

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"

CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
