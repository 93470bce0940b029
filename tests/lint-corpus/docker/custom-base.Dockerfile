# A company base image: its user is unknown, so nothing is claimed about it.
FROM registry.example.com/platform/java-base:17
COPY app.jar /opt/app/app.jar
CMD ["java", "-jar", "/opt/app/app.jar"]
